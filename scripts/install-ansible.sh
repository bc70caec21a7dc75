#!/usr/bin/env bash
# Installs the pinned Ansible reference (the behaviour our parity tests compare against) into a
# venv outside the repository. Idempotent: does nothing when the right version is already there.
set -euo pipefail

ANSIBLE_VERSION=12.3.0        # ansible-core 2.19, the newest that runs on Python 3.11
PASSLIB_VERSION=1.7.4         # password_hash needs it in ansible-core 2.19
VENV="${PLAYBOOK_ANSIBLE_VENV:-$HOME/.cache/playbook-engine/ansible-$ANSIBLE_VERSION}"

# synchronize (Ansible's and ours) runs rsync on the controller.
if ! command -v rsync >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "install-ansible: installing rsync (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync >/dev/null
  else
    echo "install-ansible: rsync is not installed; synchronize and its tests need it on the controller" >&2
  fi
fi

# ansible-core's integration targets (test/integration/targets of the exact release the bundle pins)
# state its behaviour most exactly; the test suite runs some of them against lab nodes with both
# engines. They ship only in ansible-core's source distribution.
fetch_targets() {
  local core targets sdist
  core="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("ansible-core"))')"
  targets="$(dirname "$VENV")/ansible-core-$core-targets"
  [ -d "$targets/targets" ] && return 0
  echo "install-ansible: fetching ansible-core $core's integration targets (source distribution)" >&2
  sdist="$(mktemp -d)"
  "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-binary :all: --no-deps -d "$sdist" "ansible-core==$core"
  rm -rf "$targets.partial" && mkdir -p "$targets.partial"
  tar -xzf "$sdist"/ansible_core-*.tar.gz -C "$targets.partial" --strip-components=3 "ansible_core-$core/test/integration/targets"
  rm -rf "$sdist" "$targets" && mv "$targets.partial" "$targets"
}

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import ansible, passlib" 2>/dev/null \
  && [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("ansible"))')" = "$ANSIBLE_VERSION" ]; then
  fetch_targets
  exit 0
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "install-ansible: installing python3-venv (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "install-ansible: $PYTHON cannot create a venv; install python3-venv first" >&2
    exit 1
  fi
fi

echo "install-ansible: creating $VENV with ansible==$ANSIBLE_VERSION (one time, about a minute)" >&2
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "ansible==$ANSIBLE_VERSION" "passlib==$PASSLIB_VERSION"
"$VENV/bin/ansible" --version | head -1 >&2
fetch_targets
