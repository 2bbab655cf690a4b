/* SPDX-License-Identifier: BSD-3-Clause
 * The DNS messages of the probe engine's dns method (probe_dns.c): a query for one name
 * (type A, class IN, recursion desired) and the check that a datagram answers it. Pure
 * byte-buffer functions (test/unit/test_probe_dns.c), any thread.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "control/probe_int.h"

#define DNS_HDR 12
#define DNS_FLAG_QR 0x80           /* byte 2 */
#define DNS_FLAG_RD 0x01           /* byte 2 */
#define DNS_RCODE_MASK 0x0f        /* byte 3 */
#define DNS_TYPE_A 1
#define DNS_CLASS_IN 1
#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 255           /* on the wire, with the length bytes and the root */

static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
	"YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
};

const char *
cp_probe_dns_rcode_str(int rcode)
{
	if (rcode >= 0 && (unsigned int)rcode < sizeof(rcode_names) / sizeof(rcode_names[0]))
		return rcode_names[rcode];
	return "RCODE?";
}

int
cp_probe_dns_query(uint8_t *buf, unsigned int size, const char *name, uint16_t id,
		   unsigned int *qlen)
{
	unsigned int n = DNS_HDR, start;
	const char *l = name, *dot;

	if (size < DNS_HDR + DNS_NAME_MAX + 1 + 4)
		return -EINVAL;
	memset(buf, 0, DNS_HDR);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = DNS_FLAG_RD;
	buf[5] = 1;                 /* one question */
	start = n;
	if (strcmp(name, ".") != 0 && name[0] != '\0') {
		for (;;) {
			size_t ll;

			dot = strchr(l, '.');
			ll = dot != NULL ? (size_t)(dot - l) : strlen(l);
			if (ll == 0 && dot == NULL)
				break;   /* "example.com." */
			if (ll == 0 || ll > DNS_LABEL_MAX || n - start + 1 + ll + 1 > DNS_NAME_MAX)
				return -EINVAL;
			buf[n++] = (uint8_t)ll;
			memcpy(buf + n, l, ll);
			n += (unsigned int)ll;
			if (dot == NULL)
				break;
			l = dot + 1;
		}
	} else if (name[0] == '\0') {
		return -EINVAL;
	}
	buf[n++] = 0;
	buf[n++] = 0;
	buf[n++] = DNS_TYPE_A;
	buf[n++] = 0;
	buf[n++] = DNS_CLASS_IN;
	*qlen = n - DNS_HDR;
	return (int)n;
}

int
cp_probe_dns_answer(const uint8_t *r, unsigned int rlen, const uint8_t *q,
		    unsigned int qlen)
{
	unsigned int i;

	if (rlen < DNS_HDR + qlen || r[0] != q[0] || r[1] != q[1] || !(r[2] & DNS_FLAG_QR) ||
	    r[4] != 0 || r[5] != 1)
		return -1;
	/* the same question; names compare without case (a server may use 0x20 bits) */
	for (i = 0; i < qlen; i++) {
		uint8_t a = r[DNS_HDR + i], b = q[DNS_HDR + i];

		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b - 'A' + 'a');
		if (a != b)
			return -1;
	}
	return r[3] & DNS_RCODE_MASK;
}
