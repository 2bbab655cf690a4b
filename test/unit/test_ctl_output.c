/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of dpwanctl's policy renderers (tools/dpwanctl/ctl_output.c): the mwan3
 * style "Current ipv4 policies:" lines with their percentages, the connected networks,
 * the "Active ipv4 user rules:" lines (counters, sticky flag, match in words, action),
 * and the match and action texts alone. JSON as /api/v1/policies and /api/v1/rules
 * answer it; single-threaded test program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/dpwanctl/ctl.h"

static json_t *
parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (j == NULL)
		fail_msg("bad test JSON: %s at %d", err.text, err.position);
	return j;
}

/* What fn printed for JSON text. malloc'd. */
static char *
render(void (*fn)(FILE *, const json_t *), const char *text)
{
	json_t *j = parse(text);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, j);
	fclose(f);
	json_decref(j);
	return buf;
}

static const char POLICIES[] =
	"{\"generation\": 4, \"counters_gen\": 4, \"counters_valid\": true, \"policies\": ["
	" {\"name\": \"balanced\", \"default_rule\": false, \"algorithm\": \"metric\","
	"  \"persistence\": null, \"last_resort\": \"unreachable\", \"members\": [\"m1\", \"m2\"],"
	"  \"candidates\": [{\"wan\": \"wan1\", \"metric\": 1, \"weight\": 3},"
	"                  {\"wan\": \"wan2\", \"metric\": 1, \"weight\": 2}],"
	"  \"shares\": [{\"wan\": \"wan1\", \"percent\": 60}, {\"wan\": \"wan2\", \"percent\": 40}],"
	"  \"sessions\": [{\"wan\": \"wan1\", \"sessions\": 12}, {\"wan\": \"wan2\", \"sessions\": 8}],"
	"  \"sessions_total\": 20},"
	" {\"name\": \"wan2_only\", \"default_rule\": false, \"algorithm\": \"priority\","
	"  \"persistence\": null, \"last_resort\": \"drop\", \"members\": [],"
	"  \"candidates\": [{\"wan\": \"wan2\", \"metric\": 1, \"weight\": 1}],"
	"  \"shares\": [{\"wan\": \"wan2\", \"percent\": 0}],"
	"  \"sessions\": [{\"wan\": \"wan2\", \"sessions\": 0}], \"sessions_total\": 0},"
	" {\"name\": \"default_rule\", \"default_rule\": true, \"preset\": \"auto\","
	"  \"policy\": null, \"algorithm\": \"weighted\", \"persistence\": null,"
	"  \"last_resort\": \"drop\", \"members\": [],"
	"  \"candidates\": [{\"wan\": \"wan1\", \"metric\": 1, \"weight\": 1},"
	"                  {\"wan\": \"wan2\", \"metric\": 1, \"weight\": 1}],"
	"  \"shares\": [{\"wan\": \"wan1\", \"percent\": 0}, {\"wan\": \"wan2\", \"percent\": 100}],"
	"  \"sessions\": [{\"wan\": \"wan1\", \"sessions\": 5}, {\"wan\": \"wan2\", \"sessions\": 7}],"
	"  \"sessions_total\": 12}]}";

static void
test_policy_shares(void **state)
{
	char *out = render(ctl_out_policy_shares, POLICIES);

	(void)state;
	/* mwan3: "name:" then " wan (NN%)" for each WAN with a share, nothing for 0 % */
	assert_string_equal(out,
		"Current ipv4 policies:\n"
		"balanced:\n"
		" wan1 (60%)\n"
		" wan2 (40%)\n"
		"wan2_only:\n"
		" no usable WAN (drop)\n"
		"default_rule:\n"
		" wan2 (100%)\n");
	free(out);
}

static void
test_policies_detail(void **state)
{
	char *out = render(ctl_out_policies, POLICIES);

	(void)state;
	assert_non_null(strstr(out, "balanced: metric, last resort unreachable, 20 sessions\n"
			       " members m1, m2\n"
			       " wan1             60%  metric 1, weight 3, 12 sessions\n"
			       " wan2             40%  metric 1, weight 2, 8 sessions\n"));
	assert_non_null(strstr(out, "wan2_only: priority, last resort drop, 0 sessions\n"
			       " wan2              0%  metric 1, weight 1, 0 sessions\n"
			       " no usable WAN: drop\n"));
	assert_non_null(strstr(out, "default_rule: weighted, last resort drop, 12 sessions "
			       "(the default rule, preset auto)\n"));
	assert_null(strstr(out, "counters are 0"));
	free(out);
}

static const char RULES[] =
	"{\"generation\": 4, \"counters_gen\": 4, \"counters_valid\": true,"
	" \"classifier\": {\"generation\": 4, \"rules\": 3, \"entries\": 4, \"build_ms\": 0.5},"
	" \"rules\": ["
	" {\"index\": 0, \"kind\": \"user\", \"name\": \"https\", \"enabled\": true,"
	"  \"match\": {\"proto\": \"tcp\", \"family\": \"all\", \"src\": [], \"src_port\": [],"
	"            \"dst\": [], \"dst_domain\": [], \"dst_port\": [\"443\"]},"
	"  \"policy\": \"balanced\", \"algorithm\": \"metric\", \"candidates\": [],"
	"  \"when_unavailable\": \"unreachable\", \"sticky\": true, \"hits\": 11, \"unavailable\": 0},"
	" {\"index\": 1, \"kind\": \"user\", \"name\": \"voip\", \"enabled\": true,"
	"  \"match\": {\"proto\": \"udp\", \"family\": \"ipv4\", \"src\": [\"198.18.0.10/32\","
	"            \"198.18.0.128/25\"], \"src_mac\": \"02:00:00:00:00:01\", \"src_port\": [\"5060-5070\"],"
	"            \"dst\": [\"198.19.0.0/24\"], \"dst_domain\": [], \"dst_port\": [\"5060\", \"10000-20000\"]},"
	"  \"policy\": null, \"algorithm\": \"priority\","
	"  \"candidates\": [{\"wan\": \"wan2\", \"metric\": 1, \"weight\": 1},"
	"                  {\"wan\": \"wan1\", \"metric\": 1, \"weight\": 1}],"
	"  \"when_unavailable\": \"drop\", \"sticky\": false, \"hits\": 3, \"unavailable\": 1},"
	" {\"index\": 2, \"kind\": \"user\", \"name\": \"off\", \"enabled\": false,"
	"  \"match\": {\"proto\": \"icmp\"}, \"policy\": \"balanced\", \"algorithm\": \"metric\","
	"  \"candidates\": [], \"when_unavailable\": \"unreachable\", \"sticky\": false,"
	"  \"hits\": 0, \"unavailable\": 0},"
	" {\"index\": 3, \"kind\": \"user\", \"name\": \"v6\", \"enabled\": true,"
	"  \"match\": {\"proto\": \"all\", \"family\": \"ipv6\", \"dst_domain\": [\"example.com\"]},"
	"  \"policy\": \"balanced\", \"algorithm\": \"metric\", \"candidates\": [],"
	"  \"when_unavailable\": \"unreachable\", \"sticky\": false, \"hits\": 0, \"unavailable\": 0},"
	" {\"index\": null, \"kind\": \"default\", \"name\": \"default_rule\", \"enabled\": true,"
	"  \"match\": {}, \"preset\": \"auto\", \"policy\": null, \"algorithm\": \"weighted\","
	"  \"candidates\": [{\"wan\": \"wan1\", \"metric\": 1, \"weight\": 1},"
	"                  {\"wan\": \"wan2\", \"metric\": 1, \"weight\": 1}],"
	"  \"when_unavailable\": \"drop\", \"sticky\": false, \"hits\": 72, \"unavailable\": 0},"
	" {\"index\": null, \"kind\": \"connected\", \"name\": \"connected\", \"enabled\": true,"
	"  \"match\": {\"dst\": [\"198.18.1.0/24\", \"198.18.2.0/24\", \"198.18.0.0/24\"]},"
	"  \"policy\": null, \"algorithm\": null, \"candidates\": [], \"when_unavailable\": null,"
	"  \"sticky\": false, \"hits\": 2, \"unavailable\": 0}]}";

static void
test_rule_lines(void **state)
{
	char *out = render(ctl_out_rule_lines, RULES);

	(void)state;
	assert_string_equal(out,
		"Active ipv4 user rules:\n"
		"  sessions  unavl   rule            match -> action\n"
		"        11      0 S https           tcp port 443 -> balanced\n"
		"         3      1 - voip            udp from 198.18.0.10,198.18.0.128/25 mac "
		"02:00:00:00:00:01 sport 5060-5070 to 198.19.0.0/24 port 5060,10000-20000 "
		"-> priority(wan2,wan1)\n"
		"        72      0 - default_rule    all -> weighted(wan1,wan2)\n"
		"         2      0 - connected       all to 198.18.1.0/24,198.18.2.0/24,"
		"198.18.0.0/24 -> direct (never policy-routed)\n");
	free(out);
}

static void
test_connected(void **state)
{
	char *out = render(ctl_out_connected, RULES);

	(void)state;
	assert_string_equal(out, "Directly connected ipv4 networks:\n198.18.1.0/24\n"
			    "198.18.2.0/24\n198.18.0.0/24\n");
	free(out);
}

static void
test_rules_table(void **state)
{
	char *out = render(ctl_out_rules, RULES);

	(void)state;
	/* every rule, disabled and IPv6 ones too, with the index and the fallback */
	assert_non_null(strstr(out, "    2 off             disabled          0      0  icmp "
			       "-> balanced [unreachable]\n"));
	assert_non_null(strstr(out, "    3 v6              enabled           0      0  all "
			       "ipv6 to example.com -> balanced [unreachable]\n"));
	assert_non_null(strstr(out, "    0 https           enabled          11      0  tcp port "
			       "443 -> balanced sticky [unreachable]\n"));
	assert_non_null(strstr(out, "    - connected       enabled           2      0  all to "));
	assert_non_null(strstr(out, "classifier: generation 4, 3 rules, 4 entries, built in "
			       "0.5 ms\n"));
	free(out);
}

static void
test_counters_not_yet(void **state)
{
	char *out = render(ctl_out_rule_lines,
		"{\"generation\": 9, \"counters_gen\": 8, \"counters_valid\": false, \"rules\": ["
		" {\"index\": null, \"kind\": \"default\", \"name\": \"default_rule\","
		"  \"enabled\": true, \"match\": {}, \"policy\": \"balanced\", \"algorithm\": "
		"  \"metric\", \"candidates\": [], \"sticky\": false, \"hits\": 0,"
		"  \"unavailable\": 0}]}");

	(void)state;
	assert_non_null(strstr(out, "         0      0 - default_rule    all -> balanced\n"));
	assert_non_null(strstr(out, "counters are 0 until the dataplane classifies with "
			       "generation 9: it still runs generation 8's rules)\n"));
	free(out);
}

static void
test_match_and_action(void **state)
{
	char buf[256];
	json_t *j;

	(void)state;
	j = parse("{\"proto\": 47, \"family\": \"all\", \"src\": [], \"new_thing\": \"x\","
		  " \"flag\": true, \"empty\": [], \"n\": 3}");
	ctl_match_str(j, buf, sizeof(buf));
	/* a member this client does not know is shown, not hidden */
	assert_string_equal(buf, "proto 47 new_thing=x flag=true n=3");
	json_decref(j);
	j = parse("{\"dst\": [\"198.19.0.10/32\"], \"dst_domain\": [\"*.example.com\"]}");
	ctl_match_str(j, buf, sizeof(buf));
	assert_string_equal(buf, "all to 198.19.0.10 to *.example.com");
	/* cut at the buffer's end, still a string */
	ctl_match_str(j, buf, 10);
	assert_string_equal(buf, "all to 19");
	json_decref(j);
	j = parse("{\"policy\": null, \"algorithm\": \"enforced\", \"candidates\": "
		  "[{\"wan\": \"wan2\"}]}");
	ctl_action_str(j, buf, sizeof(buf));
	assert_string_equal(buf, "-> enforced(wan2)");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_shares),
		cmocka_unit_test(test_policies_detail),
		cmocka_unit_test(test_rule_lines),
		cmocka_unit_test(test_connected),
		cmocka_unit_test(test_rules_table),
		cmocka_unit_test(test_counters_not_yet),
		cmocka_unit_test(test_match_and_action),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
