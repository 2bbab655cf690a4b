#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# test/fuzz/run-fuzz.sh: one time-boxed libFuzzer run, as the `fuzz` meson suite runs it.
#
#   run-fuzz.sh FUZZER CORPUS_DIR MAX_LEN ARTIFACT_DIR [DICT]
#   run-fuzz.sh --skip REASON          (exit 77: meson reports the test as skipped)
#
# Fuzzes a copy of CORPUS_DIR in a temp dir (the committed corpus is never modified) for
# DPWAN_FUZZ_SECONDS (20) seconds. Fails on any crash, leak, timeout (5 s per input) or
# RSS over 2 GB; the input that did it is kept in ARTIFACT_DIR and the command to replay
# it is printed. Everything else it made is removed, also when it fails.
set -u

if [ "${1:-}" = --skip ]; then
	echo "SKIP: ${2:-libFuzzer is not available}"
	exit 77
fi
[ $# -eq 4 ] || [ $# -eq 5 ] ||
	{ echo "usage: $0 FUZZER CORPUS_DIR MAX_LEN ARTIFACT_DIR [DICT]" >&2; exit 2; }
fuzzer=$1 corpus=$2 max_len=$3 artifacts=$4 dict=${5:-}
secs=${DPWAN_FUZZ_SECONDS:-20}
# meson passes build-relative paths; the run happens in the temp dir
case $fuzzer in /*) ;; *) fuzzer=$PWD/$fuzzer ;; esac
case $corpus in /*) ;; *) corpus=$PWD/$corpus ;; esac
case $artifacts in /*) ;; *) artifacts=$PWD/$artifacts ;; esac
case $dict in /* | "") ;; *) dict=$PWD/$dict ;; esac

[ -x "$fuzzer" ] || { echo "run-fuzz: $fuzzer: not executable" >&2; exit 1; }
[ -d "$corpus" ] || { echo "run-fuzz: $corpus: no corpus" >&2; exit 1; }
tmp=$(mktemp -d /tmp/dpwan-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/corpus" "$tmp/out" && cp -R "$corpus/." "$tmp/corpus/" || exit 1

# stack traces for UBSan too; ASan's leak checker is on by default under libFuzzer
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS
cd "$tmp" || exit 1
echo "run-fuzz: $fuzzer for ${secs}s on a copy of $corpus ($(ls "$tmp/corpus" | wc -l) inputs)"
# a hang past secs + 60 is a libFuzzer bug: bound it anyway
timeout -k 10 $((secs + 60)) "$fuzzer" -max_total_time="$secs" -max_len="$max_len" \
	-timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$tmp/out/" ${dict:+-dict="$dict"} "$tmp/corpus" </dev/null
rc=$?
if [ $rc -ne 0 ]; then
	mkdir -p "$artifacts"
	for f in "$tmp"/out/*; do
		[ -e "$f" ] || continue
		cp "$f" "$artifacts/" && echo "run-fuzz: kept $artifacts/$(basename "$f")"
		echo "run-fuzz: replay with: $fuzzer $artifacts/$(basename "$f")"
	done
	echo "run-fuzz: FAILED (exit $rc)"
	exit 1
fi
echo "run-fuzz: no crash in ${secs}s"
exit 0
