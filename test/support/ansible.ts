/** Where the pinned Ansible reference lives (installed by .ci/run, see scripts/install-ansible.sh). */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ANSIBLE_VERSION = '12.3.0';

export function ansibleVenv(): string {
  return process.env['PLAYBOOK_ANSIBLE_VENV'] ?? path.join(os.homedir(), '.cache', 'playbook-engine', `ansible-${ANSIBLE_VERSION}`);
}

export function ansiblePython(): string {
  const python = path.join(ansibleVenv(), 'bin', 'python');
  if (!existsSync(python)) {
    throw new Error(`The Ansible reference is not installed at ${ansibleVenv()}: run scripts/install-ansible.sh (CI does).`);
  }
  return python;
}

/** A Python in `dir` that cannot import ansible whatever is installed (no site-packages at all), for the "without ansible-core" errors. */
export function pythonWithoutAnsible(dir: string): string {
  const python = path.join(dir, 'python-without-ansible');
  writeFileSync(python, '#!/bin/sh\nexec python3 -S "$@"\n');
  chmodSync(python, 0o755);
  return python;
}
