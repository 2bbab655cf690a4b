# SPDX-License-Identifier: BSD-3-Clause
"""SIGKILL of dpwan-control during a transfer: the dataplane carries on, nothing is lost,
and the control process (and its API) is back within seconds with a new pid. Nothing is
dropped for lack of room meanwhile (the sha256 alone would not show that)."""
import os
import time

from conftest import sha256_file


def test_kill_control_mid_transfer(lab, http_server, bigfile):
    src, digest = bigfile
    st0 = lab.status()
    old_pid, dp_pid = st0["control"]["pid"], st0["dataplane"]["pid"]
    out = os.path.join(lab.workdir, "download-kill.bin")
    # 20 MB/s: the 200 MB take about 10 s, the kill lands in the middle
    drops = lab.overload_drops()
    cli = lab.start_bg("lan", ["curl", "-sS", "--max-time", "120", "--limit-rate", "20M",
                               "-o", out, http_server.url("/file/big.bin")], "curl-kill")
    try:
        lab.wait_for(lambda: os.path.exists(out) and os.path.getsize(out) >= 30 << 20, 30,
                     "30 MB downloaded")
        p = lab.lab("restart-control", timeout=20)
        t0 = time.monotonic()
        assert "killed dpwan-control pid %d" % old_pid in p.stdout, p.stdout + p.stderr
        assert cli.alive() and os.path.getsize(out) < os.path.getsize(src), \
            "the download ended before the kill: the test proves nothing"

        seen = []

        def new_status():
            st = lab.try_status()
            seen.append(st["control"]["pid"] if st else repr(lab.status_error)[-300:])
            return st if st and st["control"]["pid"] != old_pid else None

        try:
            st1 = lab.wait_for(new_status, 5, "the API of a new dpwan-control")
        except AssertionError as e:
            raise AssertionError("%s\nold pid %d, seen: %s\n%s" % (e, old_pid, seen[-3:],
                                                                 lab.log_tails(10)))
        took = time.monotonic() - t0
        assert st1["dataplane"]["pid"] == dp_pid
        assert st1["dataplane"]["alive"] is True, st1["dataplane"]
        rc = cli.wait(120)
        assert rc == 0, cli.output()
        lab.check_overload_drops(drops, "the download across the control restart")
        assert os.path.getsize(out) == os.path.getsize(src)
        assert sha256_file(out) == digest
        print("control API back %.2f s after the kill" % took)
    finally:
        lab.stop_bg(cli)
        if os.path.exists(out):
            os.unlink(out)
