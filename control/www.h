/* SPDX-License-Identifier: BSD-3-Clause
 * The dashboard's static files (control/www/), built into dpwan-control by
 * control/embed.py --files (a meson custom_target): name, bytes (NUL-terminated), length.
 * Read-only data. Any thread.
 */
#ifndef CP_WWW_H
#define CP_WWW_H

struct cp_www_file {
	const char *name;             /* the base name: "index.html" */
	const unsigned char *data;
	unsigned int len;
};

extern const struct cp_www_file cp_www_files[];
extern const unsigned int cp_www_files_n;

#endif
