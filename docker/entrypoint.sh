#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Start dpwan-dataplane, wait until it is ready, keep dpwan-control running beside it
# (restarted within a second when it dies), and stop both on SIGTERM.
# The dataplane adds --no-pci itself when the config has only vdevs; with PCI ports it
# allows exactly those (-a), never any other NIC.
set -u
CONF=${DPWAN_CONF:-/etc/dpwan/dpwan.conf}
# The kernel's ephemeral ports must stay out of the NAT range (systemd/99-dpwan.conf);
# net.ipv4.ip_local_port_range is per network namespace, so set it in the container's.
# Without --privileged, pass --sysctl net.ipv4.ip_local_port_range="32768 40999".
sysctl -q -w "net.ipv4.ip_local_port_range=32768 40999" 2>/dev/null ||
	echo "dpwan-entrypoint: cannot set net.ipv4.ip_local_port_range; the dataplane refuses an overlap with the NAT range" >&2
dpwan-dataplane -c "$CONF" &
DP=$!
trap 'kill -TERM $CP 2>/dev/null; kill -TERM $DP 2>/dev/null; wait $DP; exit 0' TERM INT
sleep 2
CP=
while kill -0 "$DP" 2>/dev/null; do
	dpwan-control -c "$CONF" &
	CP=$!
	wait "$CP"
	sleep 0.5
done
wait "$DP"
