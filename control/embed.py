#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Embed files into C, so that dpwan-control serves them from its binary (no install path
to get wrong).
  embed.py INPUT OUTPUT NAME: `const char NAME[]` (NUL-terminated) and
      `const unsigned int NAME_len` (api/openapi.yaml)
  embed.py --files OUTPUT NAME INPUT...: `const struct cp_www_file NAME[]` of
      {base name, bytes, length} and `const unsigned int NAME_n` (control/www.h: the
      dashboard's static files)"""
import os
import sys


def array(out, decl, data):
    """decl[] = { the bytes of data, then a NUL }"""
    out.write("%s[] = {\n" % decl)
    for i in range(0, len(data), 16):
        out.write("\t" + "".join("0x%02x," % b for b in data[i:i + 16]) + "\n")
    out.write("\t0x00\n};\n")


def one(src, dst, name):
    data = open(src, "rb").read()
    with open(dst, "w") as out:
        out.write("/* generated from %s by control/embed.py: do not edit */\n" %
                  os.path.basename(src))
        array(out, "const char " + name, data)
        out.write("const unsigned int %s_len = %d;\n" % (name, len(data)))


def table(dst, name, srcs):
    names = [os.path.basename(s) for s in srcs]
    if len(set(names)) != len(names):
        sys.exit("embed.py: two inputs with one base name: %s" % names)
    with open(dst, "w") as out:
        out.write("/* generated from %s by control/embed.py: do not edit */\n" %
                  ", ".join(names))
        out.write('#include "control/www.h"\n\n')
        for i, src in enumerate(srcs):
            array(out, "static const unsigned char %s_%d" % (name, i),
                  open(src, "rb").read())
        out.write("const struct cp_www_file %s[] = {\n" % name)
        for i, src in enumerate(srcs):
            out.write('\t{ "%s", %s_%d, %d },\n' % (names[i], name, i,
                                                      os.path.getsize(src)))
        out.write("};\n")
        out.write("const unsigned int %s_n = %d;\n" % (name, len(srcs)))


if sys.argv[1:2] == ["--files"]:
    table(sys.argv[2], sys.argv[3], sys.argv[4:])
else:
    one(*sys.argv[1:4])
