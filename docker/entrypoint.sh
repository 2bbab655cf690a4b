#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The container's PID 1: start dpwan-dataplane, wait (bounded) until it is ready, keep
# dpwan-control running beside it (restarted half a second after it dies), and on
# SIGTERM/SIGINT stop control first, then the dataplane, and exit with the dataplane's
# status. The dataplane adds --no-pci itself when the config has only vdevs; with PCI
# ports it allows exactly those (-a), never any other NIC.
# Environment: DPWAN_CONF (default /etc/dpwan/dpwan.conf), DPWAN_READY_TIMEOUT (seconds
# the dataplane may take to print its ready line, default 60).
set -u
CONF=${DPWAN_CONF:-/etc/dpwan/dpwan.conf}
READY_TIMEOUT=${DPWAN_READY_TIMEOUT:-60}
LOG=/run/dpwan-dataplane.log
DP=
CP=
STOPPING=0

log() { echo "dpwan-entrypoint: $*" >&2; }

# The kernel's ephemeral ports must stay out of the NAT range (systemd/99-dpwan.conf);
# net.ipv4.ip_local_port_range is per network namespace, so set it in the container's.
# Without --privileged, pass --sysctl net.ipv4.ip_local_port_range="32768 40999".
sysctl -q -p /etc/sysctl.d/99-dpwan.conf 2>/dev/null ||
	log "cannot set net.ipv4.ip_local_port_range; the dataplane refuses an overlap with the NAT range"

# stop PID: SIGTERM, up to 10 s, then SIGKILL.
stop() {
	i=0
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		log "pid $1 still running 10 s after SIGTERM: SIGKILL"
		kill -KILL "$1" 2>/dev/null
	fi
}

# shellcheck disable=SC2317 # run by the trap
shutdown() {
	STOPPING=1
	log "stopping"
	stop "$CP"
	stop "$DP"
	wait "$DP" 2>/dev/null
	rc=$?
	log "stopped (dataplane status $rc)"
	exit "$rc"
}
trap shutdown TERM INT

# The dataplane's output goes to the container's log and to $LOG, where its ready line
# is looked for (a FIFO, so that $! is the dataplane's pid, not tee's).
rm -f "$LOG" "$LOG.fifo"
mkfifo "$LOG.fifo" || exit 1
tee "$LOG" <"$LOG.fifo" &
dpwan-dataplane -c "$CONF" >"$LOG.fifo" 2>&1 &
DP=$!

i=0
until grep -q '^dpwan-dataplane: ready' "$LOG" 2>/dev/null; do
	if ! kill -0 "$DP" 2>/dev/null; then
		wait "$DP"
		rc=$?
		log "the dataplane exited before it was ready (status $rc)"
		exit $((rc ? rc : 1))
	fi
	if [ $i -ge $((READY_TIMEOUT * 10)) ]; then
		log "the dataplane was not ready within $READY_TIMEOUT s: stopping it"
		stop "$DP"
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done
rm -f "$LOG.fifo"
log "dataplane ready (pid $DP); starting dpwan-control"

# A trapped signal interrupts `wait`; shutdown() then exits.
while [ $STOPPING = 0 ] && kill -0 "$DP" 2>/dev/null; do
	dpwan-control -c "$CONF" &
	CP=$!
	wait "$CP"
	CP=
	if [ $STOPPING = 1 ] || ! kill -0 "$DP" 2>/dev/null; then
		break
	fi
	log "dpwan-control exited: restarting it"
	sleep 0.5
done
stop "$CP"
wait "$DP"
rc=$?
log "the dataplane exited (status $rc)"
exit "$rc"
