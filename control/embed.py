#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Embed a text file into C as `const char NAME[]` and `const unsigned int NAME_len`:
api/openapi.yaml is served by dpwan-control from its binary (no install path to get
wrong). Usage: embed.py INPUT OUTPUT NAME"""
import sys

src, dst, name = sys.argv[1:4]
data = open(src, "rb").read()
with open(dst, "w") as out:
    out.write("/* generated from %s by control/embed.py: do not edit */\n" % src.split("/")[-1])
    out.write("const char %s[] = {\n" % name)
    for i in range(0, len(data), 16):
        out.write("\t" + "".join("0x%02x," % b for b in data[i:i + 16]) + "\n")
    out.write("\t0x00\n};\n")
    out.write("const unsigned int %s_len = %d;\n" % (name, len(data)))
