#!/bin/sh
# Per-container state, made at the first start: the SSH host key (each node its own, as real
# servers), and sshd's privilege separation directory. Then runs the command (sshd by default).
set -eu
if [ ! -s /etc/ssh/ssh_host_ed25519_key ]; then
  ssh-keygen -q -t ed25519 -N '' -C "root@$(hostname)" -f /etc/ssh/ssh_host_ed25519_key
fi
install -d -m 0755 /run/sshd
exec "$@"
