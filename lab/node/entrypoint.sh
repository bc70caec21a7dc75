#!/bin/sh
# The lab node's start without systemd (`lab up --init plain`): network (cluster NIC name, no
# route to the internet), firewall, GPU process registry, then the sshd image's entrypoint (host
# key) and sshd. Runs again at every start of the container, since Docker recreates the network
# interfaces each time.
set -eu
# Booted with systemd (`lab up --init systemd`, the default), its units do all of this.
if [ "${1:-}" = /sbin/init ]; then exec "$@"; fi
/usr/local/sbin/lab-node-setup
# ufw loads its saved rules (the lab's defaults plus whatever a role added) when it is enabled.
/usr/lib/ufw/ufw-init start quiet || { echo "lab-node: ufw did not start" >&2; exit 1; }
install -d -m 1777 /run/lab /run/lab/gpu-processes
echo "lab-node: ready ($(hostname))"
exec /usr/local/sbin/playbook-entrypoint "$@"
