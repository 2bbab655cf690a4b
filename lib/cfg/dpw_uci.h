/* SPDX-License-Identifier: BSD-3-Clause
 * A reader of OpenWrt UCI configuration files (/etc/config/<package>) into sections,
 * options and lists, each with the line it came from, so that an importer can say line
 * by line what it did with them. It follows libuci's grammar as the files are written
 * in the wild: `package NAME`, `config TYPE [NAME]`, `option NAME [VALUE]`,
 * `list NAME VALUE` (and their one-letter forms), values in single quotes, double quotes
 * or none (several parts of one word are joined: 'a'"b"c), a backslash escaping the next
 * character outside single quotes, a backslash at the end of a line continuing it, `#`
 * outside quotes starting a comment, `;` separating commands, any mix of tabs and
 * spaces. As in libuci, a second `config` with the name of an earlier section continues
 * that section, a repeated `option` replaces its value, and `list` appends (after the
 * value of an `option` of the same name; an `option` with an empty value removes it).
 * An anonymous section is named TYPE_N when it is the N-th section (from 1) of its type,
 * named or not: `uci show`'s @TYPE[N-1]; _2, _3 ... are appended when a named section has
 * that name already. Pure: no DPDK. Any thread.
 */
#ifndef DPW_UCI_H
#define DPW_UCI_H

#include <stdbool.h>
#include <stddef.h>

#define DPW_UCI_MAX_BYTES (8u << 20)    /* a file: far above any real /etc/config one */
#define DPW_UCI_MAX_SECTIONS 65536   /* a syntax error beyond: bounds the work */
#define DPW_UCI_MAX_OPTIONS 1024     /* options of one section */
#define DPW_UCI_MAX_VALUES 65536     /* values of one list */
#define DPW_UCI_ERR_LEN 160

struct dpw_uci_value {
	char *s;
	unsigned int line;
};

struct dpw_uci_option {
	char *name;
	bool list;                     /* the last command that set it was `list` */
	unsigned int line;             /* of its first value (an option's: the `option` line) */
	unsigned int n;                /* values: 1 for an option, 0.. for a list */
	struct dpw_uci_value *v;
};

struct dpw_uci_section {
	char *type;
	char *name;                    /* as given, or TYPE_N for an anonymous one */
	bool anonymous;
	unsigned int index;            /* its place among the sections of its type: @TYPE[index] */
	unsigned int line;             /* its `config` line */
	unsigned int again_line;       /* a later `config` of the same name (0: none) */
	unsigned int n_opts;
	struct dpw_uci_option *opts;   /* in the order of their first appearance */
};

struct dpw_uci {
	char *package;                 /* the last `package` line's name, or NULL */
	unsigned int package_line;
	unsigned int n;
	struct dpw_uci_section *s;     /* in the order of their first `config` line */
};

struct dpw_uci_error {
	unsigned int line;             /* from 1 */
	unsigned int column;           /* from 1 */
	char msg[DPW_UCI_ERR_LEN];
};

/*
 * Parse text (len bytes, at most DPW_UCI_MAX_BYTES; NUL bytes are refused). On success
 * 0 and *u filled (free it with dpw_uci_free). On a syntax error -EINVAL with where and
 * what in *err; -E2BIG for a longer text; -ENOMEM. *u is empty on failure.
 */
int dpw_uci_parse(const char *text, size_t len, struct dpw_uci *u, struct dpw_uci_error *err);

/* Release what dpw_uci_parse allocated and zero *u. */
void dpw_uci_free(struct dpw_uci *u);

/* The option named name of s, or NULL. */
const struct dpw_uci_option *dpw_uci_get(const struct dpw_uci_section *s, const char *name);

/*
 * A UCI boolean as libuci's users read it: 1/yes/on/true/enabled and 0/no/off/false/
 * disabled. 0 and *out, or -EINVAL for another word.
 */
int dpw_uci_bool(const char *s, bool *out);

#endif
