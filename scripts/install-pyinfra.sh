#!/usr/bin/env bash
# Installs the pinned pyinfra that bench/engine-ssh.ts compares against into its own venv outside
# the repository. Idempotent: does nothing when the right version is already there.
set -euo pipefail

PYINFRA_VERSION=3.10.0        # the newest 3.x on PyPI; runs on Python 3.11
VENV="${PLAYBOOK_PYINFRA_VENV:-$HOME/.cache/playbook-engine/pyinfra-$PYINFRA_VERSION}"

if [ -x "$VENV/bin/pyinfra" ] \
  && [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pyinfra"))' 2>/dev/null)" = "$PYINFRA_VERSION" ]; then
  exit 0
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "install-pyinfra: installing python3-venv (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "install-pyinfra: $PYTHON cannot create a venv; install python3-venv first" >&2
    exit 1
  fi
fi

echo "install-pyinfra: creating $VENV with pyinfra==$PYINFRA_VERSION (one time, under a minute)" >&2
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "pyinfra==$PYINFRA_VERSION"
echo "install-pyinfra: $("$VENV/bin/pyinfra" --version)" >&2
