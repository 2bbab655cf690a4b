/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of TCP as a NAT must see it (RFC 5382, RFC 7857): flag combinations the
 * parser refuses, the window scale option, and the session's window tracking that keeps
 * an off-path RST or FIN from tearing a mapping down.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/ct.h"
#include "lib/pkt/dpw_csum.h"
#include "lib/pkt/dpw_pkt.h"

/* An Ethernet + IPv4 + TCP frame with `opts` (a multiple of 4 bytes) and `payload`. */
static uint32_t
build(uint8_t *f, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opts,
      uint32_t optlen, uint32_t payload)
{
	uint8_t *ip = f + DPW_ETH_HLEN, *tcp = ip + 20;
	uint32_t thl = 20 + optlen, iplen = 20 + thl + payload;
	uint16_t c;

	memset(f, 0, DPW_ETH_HLEN + iplen);
	dpw_put16(f + 12, DPW_ETHERTYPE_IPV4);
	ip[0] = 0x45;
	dpw_put16(ip + 2, (uint16_t)iplen);
	ip[8] = 64;
	ip[9] = DPW_IPPROTO_TCP;
	ip[12] = 198, ip[13] = 18, ip[14] = 0, ip[15] = 10;
	ip[16] = 198, ip[17] = 19, ip[18] = 0, ip[19] = 10;
	c = (uint16_t)~dpw_csum_partial(ip, 20, 0);
	memcpy(ip + 10, &c, 2);
	dpw_put16(tcp, 40000);
	dpw_put16(tcp + 2, 443);
	tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
	tcp[8] = (uint8_t)(ack >> 24), tcp[9] = (uint8_t)(ack >> 16);
	tcp[10] = (uint8_t)(ack >> 8), tcp[11] = (uint8_t)ack;
	tcp[12] = (uint8_t)((thl / 4) << 4);
	tcp[13] = flags;
	dpw_put16(tcp + 14, win);
	if (optlen)
		memcpy(tcp + 20, opts, optlen);
	return DPW_ETH_HLEN + iplen;
}

static void
test_flag_combinations(void **state)
{
	static const uint8_t good[] = {
		DPW_TCP_SYN, DPW_TCP_SYN | DPW_TCP_ACK, DPW_TCP_ACK, DPW_TCP_ACK | DPW_TCP_PSH,
		DPW_TCP_FIN | DPW_TCP_ACK, DPW_TCP_FIN | DPW_TCP_ACK | DPW_TCP_PSH, DPW_TCP_RST,
		DPW_TCP_RST | DPW_TCP_ACK, DPW_TCP_SYN | DPW_TCP_ECE | DPW_TCP_CWR,
		DPW_TCP_ACK | DPW_TCP_ECE,
	};
	static const uint8_t bad[] = {
		0, DPW_TCP_SYN | DPW_TCP_FIN, DPW_TCP_SYN | DPW_TCP_RST, DPW_TCP_FIN,
		DPW_TCP_FIN | DPW_TCP_PSH | DPW_TCP_URG, DPW_TCP_SYN | DPW_TCP_FIN | DPW_TCP_ACK,
		DPW_TCP_RST | DPW_TCP_FIN | DPW_TCP_ACK, DPW_TCP_PSH, 0x3f,
	};
	uint8_t f[128];
	struct dpw_pkt_info pi;
	unsigned int i, drop;
	uint32_t n;

	(void)state;
	for (i = 0; i < sizeof(good); i++) {
		assert_true(dpw_tcp_flags_valid(good[i]));
		n = build(f, good[i], 1, 0, 1000, NULL, 0, 0);
		assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), 0);
		assert_int_equal(pi.tcp_flags, good[i]);
	}
	for (i = 0; i < sizeof(bad); i++) {
		assert_false(dpw_tcp_flags_valid(bad[i]));
		n = build(f, bad[i], 1, 0, 1000, NULL, 0, 0);
		drop = 0;
		assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), -1);
		assert_int_equal(drop, DPW_DROP_TCP_BAD_FLAGS);
	}
	assert_string_equal(dpw_drop_str(DPW_DROP_TCP_BAD_FLAGS), "tcp_invalid_flags");
}

static void
test_seq_window_fields(void **state)
{
	/* MSS, NOP, window scale 7, SACK permitted + padding */
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0 };
	static const uint8_t big_ws[] = { 3, 3, 20, 0 };
	static const uint8_t broken[] = { 1, 1, 3, 9 };  /* option runs past the header */
	uint8_t f[128];
	struct dpw_pkt_info pi;
	unsigned int drop;
	uint32_t n;

	(void)state;
	n = build(f, DPW_TCP_SYN, 0xfffffff0u, 0, 29200, opts, sizeof(opts), 0);
	assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), 0);
	assert_int_equal(pi.tcp_seq, 0xfffffff0u);
	assert_int_equal(pi.tcp_win, 29200);
	assert_int_equal(pi.tcp_hlen, 32);
	assert_int_equal(pi.tcp_wscale, 7);
	n = build(f, DPW_TCP_SYN, 1, 0, 100, big_ws, sizeof(big_ws), 0);
	assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), 0);
	assert_int_equal(pi.tcp_wscale, DPW_TCP_WSCALE_MAX);   /* RFC 7323: capped at 14 */
	n = build(f, DPW_TCP_SYN, 1, 0, 100, broken, sizeof(broken), 0);
	assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), 0);
	assert_int_equal(pi.tcp_wscale, DPW_TCP_WSCALE_NONE);
	/* the option means nothing outside a SYN */
	n = build(f, DPW_TCP_ACK, 5, 77, 100, opts, sizeof(opts), 10);
	assert_int_equal(dpw_pkt_parse(f, n, &pi, &drop), 0);
	assert_int_equal(pi.tcp_wscale, DPW_TCP_WSCALE_NONE);
	assert_int_equal(pi.tcp_ack, 77);
	assert_int_equal(pi.l4_len - pi.tcp_hlen, 10);
}

static struct dp_sess sess;

static int
track(int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len, uint16_t win,
      uint8_t ws)
{
	struct dp_tcp_seg g = { .seq = seq, .ack = ack, .len = len, .win = win, .flags = flags,
				.wscale = ws };

	return dp_tcp_track(&sess, dir, &g);
}

/* A connection to ESTABLISHED: client ISN 1000, server ISN 900000, both scaling by 7. */
static void
open_connection(uint8_t ws_client, uint8_t ws_server)
{
	memset(&sess, 0, sizeof(sess));
	sess.flags = DP_SESS_USED;
	sess.wscale[0] = sess.wscale[1] = DPW_TCP_WSCALE_NONE;
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_SYN, 1000, 0, 0, 64240, ws_client), 0);
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_SYN | DPW_TCP_ACK, 900000, 1001, 0, 65160,
			       ws_server), 0);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_ACK, 1001, 900001, 0, 502,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_ESTABLISHED);
}

static void
test_rst_in_and_out_of_window(void **state)
{
	(void)state;
	open_connection(7, 7);
	/* data moves the client's edge: 1001 + 5000 */
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_ACK | DPW_TCP_PSH, 1001, 900001, 5000, 502,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp[DP_DIR_ORIG].end, 6001);
	/* an off-path RST "from the server" with a guessed sequence number: refused */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_RST, 900001 + 3000000, 0, 0, 0,
			       DPW_TCP_WSCALE_NONE), -1);
	assert_int_equal(sess.tcp_state, DP_TCP_ESTABLISHED);
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_RST, 900001 - 3000000, 0, 0, 0,
			       DPW_TCP_WSCALE_NONE), -1);
	/* an off-path FIN likewise */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_FIN | DPW_TCP_ACK, 12345, 6001, 0, 500,
			       DPW_TCP_WSCALE_NONE), -1);
	assert_int_equal(sess.tcp_state, DP_TCP_ESTABLISHED);
	/* the server's real RST, at its edge (or a little behind it): accepted */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_RST, 900001, 0, 0, 0,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_CLOSED);
}

static void
test_window_scaling(void **state)
{
	(void)state;
	/* both scale by 7: the client's 502 means 64256 bytes, and the server may be
	 * reset anywhere within it of its edge, not beyond */
	open_connection(7, 7);
	assert_int_equal(sess.tcp[DP_DIR_ORIG].maxwin, 64256);
	/* the client advertises 8000 << 7 = 1 MB: a RST from the client may then be up
	 * to 1 MB off its edge (its receiver's window, the server's, is what counts) */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_ACK, 900001, 1001, 0, 8000,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp[DP_DIR_REPLY].maxwin, 8000u << 7);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_RST, 1001 + (8000u << 7) + 10, 0, 0, 0,
			       DPW_TCP_WSCALE_NONE), -1);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_RST, 1001 + 900000, 0, 0, 0,
			       DPW_TCP_WSCALE_NONE), 0);
	/* only one side offered scaling: no scaling at all (RFC 7323 1.3) */
	open_connection(7, DPW_TCP_WSCALE_NONE);
	assert_int_equal(sess.tcp[DP_DIR_ORIG].maxwin, 64240);   /* the SYN's, larger */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_ACK, 900001, 1001, 0, 8000,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp[DP_DIR_REPLY].maxwin, 65160);
}

static void
test_rst_to_syn(void **state)
{
	(void)state;
	memset(&sess, 0, sizeof(sess));
	sess.flags = DP_SESS_USED;
	sess.wscale[0] = sess.wscale[1] = DPW_TCP_WSCALE_NONE;
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_SYN, 777, 0, 0, 64240, 7), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_SYN_SENT);
	/* a RST that does not acknowledge the SYN (RFC 793 SYN-SENT): refused */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_RST | DPW_TCP_ACK, 0, 5555, 0, 0,
			       DPW_TCP_WSCALE_NONE), -1);
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_RST, 0, 0, 0, 0, DPW_TCP_WSCALE_NONE), -1);
	assert_int_equal(sess.tcp_state, DP_TCP_SYN_SENT);
	/* port closed: RST+ACK acknowledging ISN + 1 */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_RST | DPW_TCP_ACK, 0, 778, 0, 0,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_CLOSED);
}

static void
test_close_and_reuse(void **state)
{
	(void)state;
	open_connection(DPW_TCP_WSCALE_NONE, DPW_TCP_WSCALE_NONE);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_FIN | DPW_TCP_ACK, 1001, 900001, 0, 500,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_FIN_ORIG);
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_FIN | DPW_TCP_ACK, 900001, 1002, 0, 500,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_FIN_BOTH);
	/* the client opens a new connection on the same ports during TIME_WAIT: a new
	 * ISN, tracked from scratch */
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_SYN, 5000000, 0, 0, 64240,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_SYN_SENT);
	assert_int_equal(sess.tcp[DP_DIR_ORIG].end, 5000001);
	assert_false(sess.flags & DP_SESS_TCP_REPLY);
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_SYN | DPW_TCP_ACK, 42, 5000001, 0, 100,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_ACK, 5000001, 43, 0, 100,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_ESTABLISHED);
}

static void
test_sequence_wrap(void **state)
{
	(void)state;
	memset(&sess, 0, sizeof(sess));
	sess.flags = DP_SESS_USED;
	sess.wscale[0] = sess.wscale[1] = DPW_TCP_WSCALE_NONE;
	track(DP_DIR_ORIG, DPW_TCP_SYN, 0xffffff00u, 0, 0, 65535, DPW_TCP_WSCALE_NONE);
	track(DP_DIR_REPLY, DPW_TCP_SYN | DPW_TCP_ACK, 10, 0xffffff01u, 0, 65535,
	      DPW_TCP_WSCALE_NONE);
	track(DP_DIR_ORIG, DPW_TCP_ACK, 0xffffff01u, 11, 1000, 65535, DPW_TCP_WSCALE_NONE);
	/* the edge wrapped past 2^32 */
	assert_int_equal(sess.tcp[DP_DIR_ORIG].end, 0xffffff01u + 1000);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_RST, 0xffffff01u + 1000, 0, 0, 0,
			       DPW_TCP_WSCALE_NONE), 0);
}

/* An inbound session (port forward): the remote end, DP_DIR_REPLY, sends the SYN and the
 * LAN server, DP_DIR_ORIG, answers; handshake, data, an off-path RST, FIN from both. */
static void
inbound_open(void)
{
	memset(&sess, 0, sizeof(sess));
	sess.flags = DP_SESS_USED | DP_SESS_INBOUND;
	sess.wscale[0] = sess.wscale[1] = DPW_TCP_WSCALE_NONE;
	/* the LAN server's SYN-ACK before any SYN is not a handshake */
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_SYN | DPW_TCP_ACK, 7, 1, 0, 1000,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_NONE);
	/* a SYN from the LAN side does not open an inbound session either */
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_SYN, 7, 0, 0, 1000,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_NONE);
	assert_false(sess.flags & DP_SESS_TCP_ORIG);
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_SYN, 1000, 0, 0, 64240, 7), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_SYN_SENT);
	assert_true(sess.flags & DP_SESS_TCP_REPLY);
	assert_int_equal(sess.tcp[DP_DIR_REPLY].end, 1001);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_SYN | DPW_TCP_ACK, 900000, 1001, 0, 65535,
			       7), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_SYN_RECV);
	assert_true(sess.flags & DP_SESS_TCP_ORIG);
	/* the server's ACK does not finish the handshake; the client's does */
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_ACK, 900001, 1001, 0, 500,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_SYN_RECV);
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_ACK, 1001, 900001, 0, 500,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_ESTABLISHED);
}

static void
test_inbound_handshake_data_fin(void **state)
{
	(void)state;
	inbound_open();
	/* data both ways moves each side's edge; windows scale by 7 (both SYNs had it) */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_ACK | DPW_TCP_PSH, 1001, 900001, 300, 500,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp[DP_DIR_REPLY].end, 1301);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_ACK | DPW_TCP_PSH, 900001, 1301, 2000, 600,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp[DP_DIR_ORIG].end, 902001);
	assert_int_equal(sess.tcp[DP_DIR_ORIG].maxwin, 600u << 7);
	/* an off-path RST far from the server's edge is refused, the session stays */
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_RST, 900001 + 0x40000000u, 0, 0, 0,
			       DPW_TCP_WSCALE_NONE), -1);
	assert_int_equal(sess.tcp_state, DP_TCP_ESTABLISHED);
	/* the remote client closes first: FIN_ORIG is "the initiator closed" */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_FIN | DPW_TCP_ACK, 1301, 902001, 0, 500,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_FIN_ORIG);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_FIN | DPW_TCP_ACK, 902001, 1302, 0, 600,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_FIN_BOTH);
	/* a new connection from the remote end on the same ports */
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_SYN, 7000000, 0, 0, 64240,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_SYN_SENT);
	assert_false(sess.flags & DP_SESS_TCP_ORIG);
}

static void
test_inbound_rst(void **state)
{
	(void)state;
	/* the LAN server refuses: a RST+ACK acknowledging the remote SYN is accepted */
	memset(&sess, 0, sizeof(sess));
	sess.flags = DP_SESS_USED | DP_SESS_INBOUND;
	sess.wscale[0] = sess.wscale[1] = DPW_TCP_WSCALE_NONE;
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_SYN, 1000, 0, 0, 64240,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_RST | DPW_TCP_ACK, 0, 999, 0, 0,
			       DPW_TCP_WSCALE_NONE), -1);      /* does not ack the SYN */
	assert_int_equal(sess.tcp_state, DP_TCP_SYN_SENT);
	assert_int_equal(track(DP_DIR_ORIG, DPW_TCP_RST | DPW_TCP_ACK, 0, 1001, 0, 0,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_CLOSED);
	/* established, then an in-window RST from the remote end closes it */
	inbound_open();
	assert_int_equal(track(DP_DIR_REPLY, DPW_TCP_RST, 1001, 0, 0, 0,
			       DPW_TCP_WSCALE_NONE), 0);
	assert_int_equal(sess.tcp_state, DP_TCP_CLOSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flag_combinations),
		cmocka_unit_test(test_seq_window_fields),
		cmocka_unit_test(test_rst_in_and_out_of_window),
		cmocka_unit_test(test_window_scaling),
		cmocka_unit_test(test_rst_to_syn),
		cmocka_unit_test(test_close_and_reuse),
		cmocka_unit_test(test_sequence_wrap),
		cmocka_unit_test(test_inbound_handshake_data_fin),
		cmocka_unit_test(test_inbound_rst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
