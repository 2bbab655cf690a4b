#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The container runs conf/lab.conf, whose eal_args carry --no-pci (vdevs only).
#
# test/container/container_lab.sh: the container image (docker/) built and run the way a
# user would, with podman from Debian (runc as its runtime: crun refuses hybrid cgroup
# hierarchies) on a debian:12 base made with debootstrap (no image registry needed), then
# run in the namespace lab's appliance namespace in place of the lab's own dataplane and
# control process, with the lab's smoke checks against it: ping from lan to inet, HTTP
# from lan whose sources inet sees as both WAN addresses, `dpwanctl status` inside the
# container, and a clean stop on SIGTERM (podman stop).
#
#   test/container/container_lab.sh SRC_DIR      (meson: suite 'container')
#
# Needs root (exit 77 = skipped without). Installs podman, runc and debootstrap with
# apt-get when they are missing. The debootstrapped base is kept as a tarball in
# $DPWAN_CONTAINER_CACHE (default /var/cache/dpwan-container) and imported once as
# debian:12, and podman keeps the build's layers: a second run rebuilds only what
# changed. Runs the lab: hold the shared lock (flock /tmp/dpwan-heavy.lock). Every step
# is bounded; the container is removed and the lab taken down on any exit.
set -u -o pipefail

SRC=$(cd "${1:?usage: container_lab.sh SRC_DIR}" && pwd)
CACHE=${DPWAN_CONTAINER_CACHE:-/var/cache/dpwan-container}
BASE_TAR=$CACHE/debian12-minbase.tar
IMAGE=localhost/dpwan-test:latest
NAME=dpwan-container-test
LAB=$SRC/tools/lab
CONF=$SRC/conf/lab.conf
MIRROR=http://deb.debian.org/debian
WAN_ADDRS="198.18.1.2 198.18.2.2"
REQUESTS=20
WORK=
HTTPD_PID=
LAB_UP=0

T0=$SECONDS
step() { echo "container_lab: [$((SECONDS - T0)) s] $*"; }
fail() { echo "container_lab: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || { echo "container_lab: needs root: skipped"; exit 77; }
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# podman's own options: runc, cgroupfs (no systemd as PID 1 here) and a file event log
# (no journald), so that it runs on a plain Debian host or VM as well as under systemd.
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs --events-backend file)
# Without --ulimit podman asks runc for RLIMIT_NOFILE 1048576 and RLIMIT_NPROC 4194304,
# which fail ("error setting rlimit type 7: operation not permitted") where root lacks
# CAP_SYS_RESOURCE and the hard limits are lower. Ask for the hard limits instead; for
# NPROC no more than kernel.pid_max, the limit podman itself runs with (seen: 32768
# with a hard limit of 96363; a container asking for more fails with "rlimit type 6").
NOFILE=$(ulimit -Hn)
NPROC=$(ulimit -Hu)
PID_MAX=$(cat /proc/sys/kernel/pid_max)
[ "$NPROC" = unlimited ] || ((NPROC > PID_MAX)) && NPROC=$PID_MAX
ULIMITS=(--ulimit "nofile=$NOFILE:$NOFILE" --ulimit "nproc=$NPROC:$NPROC")

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$HTTPD_PID" ] && kill -0 "$HTTPD_PID" 2>/dev/null; then
		kill -TERM "$HTTPD_PID" 2>/dev/null
		wait "$HTTPD_PID" 2>/dev/null
	fi
	if timeout 20 "${PODMAN[@]}" container exists "$NAME" 2>/dev/null; then
		((rc)) && { echo "----- podman logs $NAME (tail)"; timeout 20 "${PODMAN[@]}" logs --tail 40 "$NAME"; } >&2
		timeout 60 "${PODMAN[@]}" stop -t 15 "$NAME" >/dev/null 2>&1
		timeout 60 "${PODMAN[@]}" rm -f "$NAME" >/dev/null 2>&1
	fi
	((LAB_UP)) && timeout -k 10 120 "$LAB" down >/dev/null 2>&1
	[ -n "$WORK" ] && rm -rf "$WORK"
	step "done (exit $rc)"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# ---- tools ------------------------------------------------------------------------
missing=()
for p in podman runc debootstrap curl; do
	command -v "$p" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
	step "installing ${missing[*]} (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	timeout 600 apt-get update >/dev/null || fail "apt-get update"
	timeout 900 apt-get install -y --no-install-recommends podman runc debootstrap curl \
		>/dev/null || fail "apt-get install podman runc debootstrap curl"
fi

# ---- the debian:12 base -----------------------------------------------------------
if ! timeout 30 "${PODMAN[@]}" image exists debian:12; then
	if [ ! -s "$BASE_TAR" ]; then
		step "debootstrap --variant=minbase bookworm (first run only; cached in $CACHE)"
		mkdir -p "$CACHE" || fail "cannot create $CACHE"
		rm -rf "$CACHE/rootfs.tmp"
		timeout 1200 debootstrap --variant=minbase bookworm "$CACHE/rootfs.tmp" "$MIRROR" \
			>"$CACHE/debootstrap.log" 2>&1 ||
			{ tail -n 20 "$CACHE/debootstrap.log" >&2; fail "debootstrap (log: $CACHE/debootstrap.log)"; }
		printf '%s\n' "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
			"deb $MIRROR-security bookworm-security main" \
			>"$CACHE/rootfs.tmp/etc/apt/sources.list"
		rm -rf "$CACHE"/rootfs.tmp/var/cache/apt/archives/*.deb \
			"$CACHE"/rootfs.tmp/var/lib/apt/lists/*
		timeout 300 tar -C "$CACHE/rootfs.tmp" --numeric-owner -cf "$BASE_TAR.tmp" . ||
			fail "tar of the debootstrapped tree"
		mv "$BASE_TAR.tmp" "$BASE_TAR"
		rm -rf "$CACHE/rootfs.tmp"
	fi
	step "podman import $BASE_TAR debian:12"
	timeout 300 "${PODMAN[@]}" import --change 'CMD ["/bin/bash"]' "$BASE_TAR" debian:12 \
		>/dev/null || fail "podman import"
else
	step "debian:12 is in podman's storage already"
fi

# ---- the image --------------------------------------------------------------------
step "podman build -f docker/Dockerfile -t $IMAGE $SRC"
timeout 1500 "${PODMAN[@]}" build "${ULIMITS[@]}" -f "$SRC/docker/Dockerfile" -t "$IMAGE" \
	"$SRC" >"${TMPDIR:-/tmp}/dpwan-container-build.log" 2>&1 ||
	{ tail -n 40 "${TMPDIR:-/tmp}/dpwan-container-build.log" >&2; fail "podman build"; }
step "built $IMAGE"

# Every DPDK library in the image resolves (a missing one is what broke the image before).
# shellcheck disable=SC2016 # for the container's shell
out=$(timeout 120 "${PODMAN[@]}" run --rm "${ULIMITS[@]}" --entrypoint /bin/sh "$IMAGE" -c '
	for b in /usr/local/bin/dpwan-dataplane /usr/local/bin/dpwan-control /usr/local/bin/dpwanctl \
		/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/*.so.23; do
		ldd "$b" | sed -n "s|^|$b: |; /not found/p"
	done
	for d in af_packet af_xdp memif tap virtio vhost ring ixgbe i40e ice e1000 mlx5 vmxnet3 ena; do
		[ -e /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_net_$d.so.23 ] || echo "no driver $d"
	done
	[ -e /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_mempool_ring.so.23 ] || echo "no mempool_ring"') ||
	fail "cannot run $IMAGE"
[ -z "$out" ] || fail "in the image: $out"

# ---- the lab, without its own appliance processes -----------------------------------
WORK=$(mktemp -d /tmp/dpwan-container-test.XXXXXX)
step "tools/lab up --no-appliance --conf conf/lab.conf"
LAB_UP=1
timeout -k 10 120 "$LAB" up --no-appliance --conf "$CONF" || fail "tools/lab up --no-appliance"
[ -e /run/netns/appliance ] || fail "no appliance namespace"

# The lab sets the appliance's ephemeral port range apart from the NAT range; undo that,
# so the entrypoint's sysctl (docker/entrypoint.sh) is what lets the dataplane start.
timeout 10 ip netns exec appliance sysctl -qw net.ipv4.ip_local_port_range="32768 60999" ||
	fail "cannot reset the appliance's ip_local_port_range"

step "podman run $NAME in the appliance namespace"
timeout 120 "${PODMAN[@]}" run -d --name "$NAME" "${ULIMITS[@]}" \
	--network ns:/run/netns/appliance --privileged \
	-v /dev/hugepages:/dev/hugepages -v "$CONF:/etc/dpwan/dpwan.conf:ro" \
	-v "$SRC/conf/lab-policy.yaml:/etc/dpwan/lab-policy.yaml:ro" \
	"$IMAGE" >/dev/null || fail "podman run"

ctl() { timeout 30 "${PODMAN[@]}" exec "$NAME" dpwanctl -c /etc/dpwan/dpwan.conf "$@"; }

ok=0
for ((i = 0; i < 300; i++)); do
	if [ "$(timeout 20 "${PODMAN[@]}" inspect -f '{{.State.Running}}' "$NAME")" != true ]; then
		fail "the container stopped before the appliance was up"
	fi
	if ctl status >/dev/null 2>&1; then
		ok=1
		break
	fi
	sleep 0.2
done
((ok)) || fail "dpwanctl status did not answer within 60 s"
logs=$(timeout 20 "${PODMAN[@]}" logs "$NAME" 2>&1)
grep -q '^dpwan-dataplane: ready' <<<"$logs" || fail "no ready line in the container's log"
grep -q 'dpwan-entrypoint: dataplane ready' <<<"$logs" ||
	fail "the entrypoint did not wait for the ready line"
range=$(timeout 10 ip netns exec appliance sysctl -n net.ipv4.ip_local_port_range | tr -s ' \t' ' ')
[ "$range" = "32768 40999" ] || fail "the entrypoint left ip_local_port_range at '$range'"
step "the appliance is up in the container (ip_local_port_range $range)"

# ---- smoke checks -------------------------------------------------------------------
ok=0
for ((i = 0; i < 30; i++)); do
	if timeout 5 ip netns exec lan ping -c 1 -W 1 198.19.0.10 >/dev/null 2>&1; then
		ok=1
		break
	fi
	sleep 0.3
done
((ok)) || fail "no ping answer from 198.19.0.10 within 30 tries"
timeout 20 ip netns exec lan ping -c 3 -i 0.2 -W 2 198.19.0.10 >"$WORK/ping" ||
	{ cat "$WORK/ping" >&2; fail "ping from lan to 198.19.0.10"; }
step "ping lan -> 198.19.0.10: $(grep -o '[0-9]* received' "$WORK/ping")"

ip netns exec inet timeout 600 /usr/bin/python3 "$SRC/test/e2e/srv_http.py" 198.19.0.10 8080 \
	"$WORK" "$WORK/http.log" "$WORK/http.ready" >"$WORK/http.out" 2>&1 &
HTTPD_PID=$!
for ((i = 0; i < 100; i++)); do
	[ -e "$WORK/http.ready" ] && break
	kill -0 "$HTTPD_PID" 2>/dev/null || { cat "$WORK/http.out" >&2; fail "HTTP server"; }
	sleep 0.1
done
[ -e "$WORK/http.ready" ] || fail "the HTTP server in inet did not start"
for ((i = 0; i < REQUESTS; i++)); do
	timeout 15 ip netns exec lan curl -sS --max-time 10 \
		"http://198.19.0.10:8080/whoami?tag=ct$i" >/dev/null || fail "HTTP request $i from lan"
done
for a in $WAN_ADDRS; do
	n=$(grep -c "^ct[0-9]* $a " "$WORK/http.log")
	((n > 0)) || { cat "$WORK/http.log" >&2; fail "no HTTP request arrived from $a"; }
	step "HTTP: $n of $REQUESTS requests seen from $a"
done
n=$(grep -c '^ct' "$WORK/http.log")
((n == REQUESTS)) || { cat "$WORK/http.log" >&2; fail "$n of $REQUESTS requests logged"; }
kill -TERM "$HTTPD_PID" 2>/dev/null
wait "$HTTPD_PID" 2>/dev/null
HTTPD_PID=

ctl status >"$WORK/status" 2>&1 || { cat "$WORK/status" >&2; fail "dpwanctl status"; }
cat "$WORK/status"
for p in lan wan1 wan2; do
	grep -qw "$p" "$WORK/status" || fail "dpwanctl status does not show port $p"
done

# ---- clean stop ---------------------------------------------------------------------
step "podman stop (SIGTERM)"
timeout 60 "${PODMAN[@]}" stop -t 20 "$NAME" >/dev/null || fail "podman stop"
code=$(timeout 20 "${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$NAME")
logs=$(timeout 20 "${PODMAN[@]}" logs "$NAME" 2>&1)
grep -q 'dpwan-entrypoint: stopped (dataplane status 0)' <<<"$logs" ||
	{ tail -n 20 <<<"$logs" >&2; fail "the entrypoint did not stop the dataplane cleanly"; }
[ "$code" = 0 ] || fail "the container exited with $code after SIGTERM"
if grep -qs /dev/hugepages/dpwan-lab /proc/[0-9]*/maps; then
	fail "hugepages of dpwan-lab still mapped after the container stopped"
fi
step "stopped cleanly (exit 0)"
echo "container_lab: PASS"
