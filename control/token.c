/* SPDX-License-Identifier: BSD-3-Clause
 * API token hashing, parsing, constant-time checking and the first-start bootstrap
 * (see token.h). Hashing and checking run on the API thread, the bootstrap on the main
 * thread before the API starts. No DPDK.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "control/token.h"

#define TOKEN_FILE_MAX (64 * 1024)

const char *
cp_role_str(enum cp_role role)
{
	switch (role) {
	case CP_ROLE_ADMIN:
		return "admin";
	case CP_ROLE_READ_ONLY:
		return "read-only";
	default:
		return "none";
	}
}

int
cp_token_hash(const char *token, size_t len, uint8_t hash[CP_TOKEN_HASH_LEN])
{
	unsigned int outlen = 0;

	if (EVP_Digest(token, len, hash, &outlen, EVP_sha256(), NULL) != 1 ||
	    outlen != CP_TOKEN_HASH_LEN)
		return -EIO;
	return 0;
}

void
cp_token_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
cp_token_parse_line(const char *line, struct cp_token_entry *e, char *err, size_t errlen)
{
	const char *p = line, *role, *hex;
	size_t rlen, hlen, i;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '\r' || *p == '#')
		return 0;
	role = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	rlen = p - role;
	while (*p == ' ' || *p == '\t')
		p++;
	hex = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	hlen = p - hex;
	while (*p != '\0' && isspace((unsigned char)*p))
		p++;
	if (*p != '\0') {
		snprintf(err, errlen, "trailing text after the hash");
		return -EINVAL;
	}
	if (rlen == 5 && strncmp(role, "admin", 5) == 0) {
		e->role = CP_ROLE_ADMIN;
	} else if (rlen == 9 && strncmp(role, "read-only", 9) == 0) {
		e->role = CP_ROLE_READ_ONLY;
	} else {
		snprintf(err, errlen, "unknown role '%.*s' (admin or read-only)", (int)rlen,
			 role);
		return -EINVAL;
	}
	if (hlen != 2 * CP_TOKEN_HASH_LEN) {
		snprintf(err, errlen, "hash must be %d hex digits, got %zu",
			 2 * CP_TOKEN_HASH_LEN, hlen);
		return -EINVAL;
	}
	for (i = 0; i < CP_TOKEN_HASH_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			snprintf(err, errlen, "hash is not hexadecimal");
			return -EINVAL;
		}
		e->hash[i] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

int
cp_token_parse(const char *text, struct cp_token_set *set, char *err, size_t errlen)
{
	char line[512], why[128];
	const char *p = text;
	unsigned int lineno = 0;
	int rc;

	set->n = 0;
	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);

		lineno++;
		if (len >= sizeof(line)) {
			snprintf(err, errlen, "line %u: too long", lineno);
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (eol != NULL);
		if (set->n == CP_TOKEN_MAX_ENTRIES) {
			struct cp_token_entry spare;

			rc = cp_token_parse_line(line, &spare, why, sizeof(why));
			if (rc == 0)
				continue;
			snprintf(err, errlen, "line %u: more than %d tokens", lineno,
				 CP_TOKEN_MAX_ENTRIES);
			return -E2BIG;
		}
		rc = cp_token_parse_line(line, &set->e[set->n], why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "line %u: %s", lineno, why);
			return rc;
		}
		set->n += rc;
	}
	return 0;
}

const char *
cp_token_from_header(const char *hdr, size_t *len)
{
	const char *t, *end;

	if (hdr == NULL || strncasecmp(hdr, "Bearer", 6) != 0 ||
	    (hdr[6] != ' ' && hdr[6] != '\t'))
		return NULL;
	t = hdr + 6;
	while (*t == ' ' || *t == '\t')
		t++;
	end = t;
	while (*end != '\0' && *end != ' ' && *end != '\t')
		end++;
	/* RFC 6750: nothing but optional whitespace after the token. */
	for (const char *q = end; *q != '\0'; q++)
		if (*q != ' ' && *q != '\t')
			return NULL;
	if (end == t || (size_t)(end - t) > CP_TOKEN_MAX_LEN)
		return NULL;
	*len = end - t;
	return t;
}

enum cp_role
cp_token_check(const struct cp_token_set *set, const char *token, size_t len)
{
	uint8_t hash[CP_TOKEN_HASH_LEN];
	enum cp_role best = CP_ROLE_NONE;
	unsigned int i;

	if (cp_token_hash(token, len, hash) != 0)
		return CP_ROLE_NONE;
	for (i = 0; i < set->n; i++) {
		int same = CRYPTO_memcmp(hash, set->e[i].hash, CP_TOKEN_HASH_LEN) == 0;

		/* Branch-free on the secret's value; the role is not secret. */
		if (same & (set->e[i].role > best))
			best = set->e[i].role;
	}
	OPENSSL_cleanse(hash, sizeof(hash));
	return best;
}

/* dir/name into buf; -ENAMETOOLONG (err says so) when it does not fit. */
static int
join(char *buf, size_t len, const char *dir, const char *name, char *err, size_t errlen)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len) {
		snprintf(err, errlen, "state_dir '%s' is too long", dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int
check_dir_path(const char *dir, char *err, size_t errlen)
{
	if (dir == NULL || dir[0] != '/') {
		snprintf(err, errlen, "state_dir '%s' must be an absolute path",
			 dir != NULL ? dir : "");
		return -EINVAL;
	}
	return 0;
}

/*
 * Only this uid may change what st describes: whoever else can write a tokens file (or
 * replace one in its directory) can give himself admin rights. 0 or -EPERM.
 */
static int
check_private(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s is owned by uid %u, not by uid %u (this process): "
			 "refused", path, (unsigned int)st->st_uid, (unsigned int)geteuid());
		return -EPERM;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s is writable by group or others (mode %04o): refused",
			 path, (unsigned int)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int
check_state_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	rc = check_dir_path(dir, err, errlen);
	if (rc < 0)
		return rc;
	if (stat(dir, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	return check_private(dir, &st, err, errlen);
}

int
cp_token_load(const char *state_dir, struct cp_token_set *set, char *err, size_t errlen)
{
	char path[512], *text;
	struct stat st;
	size_t n = 0;
	int fd, rc;

	rc = check_state_dir(state_dir, err, errlen);
	if (rc < 0)
		return rc;
	rc = join(path, sizeof(path), state_dir, CP_TOKEN_FILE, err, errlen);
	if (rc < 0)
		return rc;
	/* O_NONBLOCK: a FIFO planted there must not hang us; regular files ignore it. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (errno == ELOOP)
			snprintf(err, errlen, "%s is a symbolic link: refused", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "fstat %s: %s", path, strerror(errno));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file: refused", path);
		rc = -EINVAL;
		goto close_fd;
	}
	rc = check_private(path, &st, err, errlen);
	if (rc < 0)
		goto close_fd;
	text = malloc(TOKEN_FILE_MAX + 1);
	if (text == NULL) {
		rc = -ENOMEM;
		goto close_fd;
	}
	while (n <= TOKEN_FILE_MAX) {
		ssize_t r = read(fd, text + n, TOKEN_FILE_MAX + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			snprintf(err, errlen, "read %s: %s", path, strerror(errno));
			goto free_text;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > TOKEN_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, TOKEN_FILE_MAX);
		rc = -EFBIG;
		goto free_text;
	}
	text[n] = '\0';
	rc = cp_token_parse(text, set, err, errlen);
	if (rc < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: %s", path, why);
	}
free_text:
	free(text);
close_fd:
	close(fd);
	return rc;
}

/* mkdir -p; *created is set when the last component did not exist. */
static int
mkdir_p(const char *dir, int *created, char *err, size_t errlen)
{
	char path[512];
	char *p;
	int rc;

	*created = 0;
	rc = check_dir_path(dir, err, errlen);
	if (rc < 0)
		return rc;
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "state_dir too long");
		return -ENAMETOOLONG;
	}
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			rc = -errno;
			snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
			return rc;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) == 0) {
		*created = 1;
	} else if (errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return rc;
	}
	return 0;
}

/*
 * Create state_dir or make sure it is ours, and leave it 0700: it holds the plain-text
 * initial token, and the API trusts every file in it.
 */
static int
prepare_state_dir(const char *dir, struct cp_token_boot *boot, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	rc = mkdir_p(dir, &boot->dir_created, err, errlen);
	if (rc < 0)
		return rc;
	if (stat(dir, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "stat %s: %s", dir, strerror(errno));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid())
		return check_private(dir, &st, err, errlen);
	/* Also when just created: the umask may have taken bits we need. */
	if ((st.st_mode & 07777) != 0700) {
		if (chmod(dir, 0700) != 0) {
			rc = -errno;
			snprintf(err, errlen, "chmod 0700 %s: %s", dir, strerror(errno));
			return rc;
		}
		if (!boot->dir_created)
			boot->dir_old_mode = st.st_mode & 07777;
	}
	return 0;
}

/* Write data to dir/name crash-safely: temp file, fsync, rename, fsync of the dir. */
static int
write_file_atomic(const char *dir, const char *name, const char *data, mode_t mode,
		  char *err, size_t errlen)
{
	char tmp[600], path[600];
	size_t len = strlen(data), off = 0;
	int fd, dfd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "create %s: %s", tmp, strerror(errno));
		return rc;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			snprintf(err, errlen, "write %s: %s", tmp, strerror(errno));
			goto close_fd;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = -errno;
		snprintf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
		goto close_fd;
	}
close_fd:
	if (close(fd) != 0 && rc == 0) {
		rc = -errno;
		snprintf(err, errlen, "close %s: %s", tmp, strerror(errno));
	}
	if (rc != 0)
		goto unlink_tmp;
	if (rename(tmp, path) != 0) {
		rc = -errno;
		snprintf(err, errlen, "rename %s: %s", path, strerror(errno));
		goto unlink_tmp;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
unlink_tmp:
	unlink(tmp);
	return rc;
}

/* 1 if dir/name exists (any type: lstat, a symbolic link counts), 0 if not, or -errno. */
static int
exists(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (lstat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	rc = -errno;
	snprintf(err, errlen, "stat %s: %s", path, strerror(errno));
	return rc;
}

static int
write_marker(const char *state_dir, char *err, size_t errlen)
{
	static const char text[] =
		"# dpwan-control created the first admin API token in this directory.\n"
		"# While this file exists, a missing api-tokens file is never recreated\n"
		"# (every API request is refused). To get a new admin token, remove this\n"
		"# file and restart dpwan-control.\n";

	return write_file_atomic(state_dir, CP_TOKEN_MARKER_FILE, text, 0600, err, errlen);
}

int
cp_token_bootstrap(const char *state_dir, struct cp_token_boot *boot, char *err,
		   size_t errlen)
{
	uint8_t secret[32], hash[CP_TOKEN_HASH_LEN];
	char token[2 * sizeof(secret) + 2], hex[2 * CP_TOKEN_HASH_LEN + 1];
	char path[512], marker[512], line[128];
	int rc;

	memset(boot, 0, sizeof(*boot));
	rc = prepare_state_dir(state_dir, boot, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = join(path, sizeof(path), state_dir, CP_TOKEN_FILE, err, errlen)) < 0 ||
	    (rc = join(marker, sizeof(marker), state_dir, CP_TOKEN_MARKER_FILE, err,
		       errlen)) < 0)
		return rc;
	rc = exists(path, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		/*
		 * Killed between the tokens file and the marker, or a state_dir from a
		 * version without marker: record now that the first token exists.
		 */
		rc = exists(marker, err, errlen);
		if (rc == 0)
			rc = write_marker(state_dir, err, errlen);
		return rc < 0 ? rc : 0;
	}
	rc = exists(marker, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* The operator removed every token: stay locked, never make a new one. */
		boot->locked = 1;
		return 0;
	}
	if (RAND_bytes(secret, sizeof(secret)) != 1) {
		snprintf(err, errlen, "RAND_bytes failed");
		return -EIO;
	}
	cp_token_hex(secret, sizeof(secret), token);
	OPENSSL_cleanse(secret, sizeof(secret));
	rc = cp_token_hash(token, strlen(token), hash);
	if (rc < 0) {
		snprintf(err, errlen, "SHA-256 failed");
		goto cleanse;
	}
	cp_token_hex(hash, sizeof(hash), hex);
	/*
	 * Plaintext first: a crash before the tokens file exists means the next start
	 * generates a new pair, and never leaves a hash whose token nobody has. The marker
	 * last: a crash before it is repaired by the next start (tokens file present).
	 */
	strcat(token, "\n");
	rc = write_file_atomic(state_dir, CP_TOKEN_INITIAL_FILE, token, 0600, err, errlen);
	if (rc < 0)
		goto cleanse;
	snprintf(line, sizeof(line), "# dpwan API tokens: <role> <sha256-hex of token>\n"
		 "admin %s\n", hex);
	rc = write_file_atomic(state_dir, CP_TOKEN_FILE, line, 0600, err, errlen);
	if (rc < 0)
		goto cleanse;
	rc = write_marker(state_dir, err, errlen);
	if (rc < 0)
		goto cleanse;
	boot->created = 1;
cleanse:
	OPENSSL_cleanse(token, sizeof(token));
	return rc;
}

int
cp_state_dir_prepare(const char *dir, struct cp_token_boot *boot, char *err, size_t errlen)
{
	memset(boot, 0, sizeof(*boot));
	return prepare_state_dir(dir, boot, err, errlen);
}

int
cp_write_file_atomic(const char *dir, const char *name, const char *data, unsigned int mode,
		     char *err, size_t errlen)
{
	return write_file_atomic(dir, name, data, (mode_t)mode, err, errlen);
}
