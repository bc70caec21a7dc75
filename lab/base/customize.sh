#!/bin/sh
# mmdebstrap customize hook: runs once on the finished root filesystem ($1), before it is packed.
# Keeps the image lean and free of per-machine state; everything per node happens at start.
set -eu
root="$1"

# Host keys are generated per container when it starts, never shared through the image.
rm -f "$root"/etc/ssh/ssh_host_*

# A UTF-8 locale, as servers have, so Python and the tools print non-ASCII text.
sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' "$root/etc/locale.gen"
chroot "$root" locale-gen >/dev/null
printf 'LANG=en_US.UTF-8\n' > "$root/etc/default/locale"

# No machine identity baked in: systemd-less containers get theirs from the engine.
: > "$root/etc/machine-id"
rm -f "$root/etc/hostname"

# Caches and logs of the build: package lists and downloaded .debs are the bulk (~90 MB).
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old "$root"/var/log/apt/* "$root"/var/log/dpkg.log "$root"/var/log/alternatives.log
rm -rf "$root"/tmp/* "$root"/root/.cache
