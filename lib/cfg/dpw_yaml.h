/* SPDX-License-Identifier: BSD-3-Clause
 * YAML <-> jansson trees (libyaml), so that a YAML document is decoded by the very code
 * that decodes JSON. The reader accepts one document of block or flow mappings,
 * sequences and scalars and refuses what a config has no use for and an attacker
 * likes: anchors, aliases, tags, more than one document, duplicate keys, non-string
 * keys, nesting deeper than max_depth, more than max_bytes of text. Scalars follow the
 * YAML 1.2 core schema: plain true/false, null/~, integers and floats become JSON
 * booleans, null and numbers; everything else, and every quoted scalar, is a string
 * ("on", "yes", "0755", "0x1F", "0o17" stay strings: the core schema's hex and octal
 * forms are not read as integers). An integer beyond json_int_t, .inf and .nan are
 * errors. A key must be a scalar that reads as a string (a plain 1:, true: or ~: key is
 * refused; quote it). NUL characters are refused (as jansson's JSON reader does).
 * An empty text (no document) is an error. Pure: no DPDK. Any thread.
 */
#ifndef DPW_YAML_H
#define DPW_YAML_H

#include <stddef.h>

#include <jansson.h>

/*
 * Parse YAML text into a new tree. NULL on error, with "line L, column C: what" in err
 * (lines and columns from 1).
 */
json_t *dpw_yaml_load(const char *text, size_t len, size_t max_bytes, unsigned int max_depth,
		      char *err, size_t errlen);

/*
 * Emit a tree as block-style YAML (objects in their member order; strings quoted when a
 * plain scalar would read back as something else, here or in a YAML 1.1 reader such as
 * PyYAML: "yes", "0755", "1:30", "198.18.1.1"). dpw_yaml_load of the result gives a tree
 * json_equal to root. malloc'd, NUL-terminated, length in *len; NULL on allocation
 * failure.
 */
char *dpw_yaml_dump(const json_t *root, size_t *len);

#endif
