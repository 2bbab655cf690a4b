# SPDX-License-Identifier: BSD-3-Clause
"""A 200 MB TCP transfer each way arrives intact (sha256 on both sides), and the
dataplane dropped nothing for lack of room meanwhile (TCP would hide such drops by
retransmitting)."""
import os

from conftest import sha256_file


def test_download_200mb_intact(lab, http_server, bigfile):
    src, digest = bigfile
    out = os.path.join(lab.workdir, "download.bin")
    try:
        with lab.no_overload_drops("the 200 MB download"):
            p = lab.curl(http_server.url("/file/big.bin"), timeout=300, extra=("-o", out))
            assert p.returncode == 0, p.stderr
        assert os.path.getsize(out) == os.path.getsize(src)
        assert sha256_file(out) == digest
    finally:
        if os.path.exists(out):
            os.unlink(out)


def test_upload_200mb_intact(lab, http_server, bigfile):
    src, digest = bigfile
    with lab.no_overload_drops("the 200 MB upload"):
        p = lab.curl(http_server.url("/upload"), timeout=300, extra=("-T", src))
        assert p.returncode == 0, p.stderr
    got_digest, got_len = p.stdout.split()
    assert int(got_len) == os.path.getsize(src)
    assert got_digest == digest
