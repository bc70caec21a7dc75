/**
 * ansible-core's integration targets (test/integration/targets of the release the pinned bundle
 * carries; scripts/install-ansible.sh unpacks them) run as ansible-test runs a role target: a play
 * on one host with facts gathered, `output_dir` set, and the target as its only role, the targets
 * directory as the roles path (their meta dependencies are targets too, such as
 * setup_remote_tmp_dir).
 */
import { existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ansibleVenv } from './ansible.js';

export function targetsDir(): string {
  const cache = path.dirname(ansibleVenv());
  const unpacked = existsSync(cache) ? readdirSync(cache).filter((d) => /^ansible-core-[\d.]+-targets$/.test(d)) : [];
  const dir = unpacked.length === 1 ? path.join(cache, unpacked[0]!, 'targets') : undefined;
  if (!dir || !existsSync(dir)) throw new Error(`ansible-core's integration targets are not unpacked under ${cache}: run scripts/install-ansible.sh (CI does).`);
  return dir;
}

/**
 * Writes the playbook ansible-test would run for `target` on `host`, in `work` (with `roles` linked
 * to the targets directory, which both engines search next to the playbook), and returns its path.
 */
export function targetPlaybook(work: string, target: string, host: string): string {
  const roles = path.join(work, 'roles');
  if (!existsSync(roles)) symlinkSync(targetsDir(), roles);
  const outputDir = path.join(work, `output-${target}-${host}`);
  const playbook = path.join(work, `target-${target}-${host}.yml`);
  const play = [{ hosts: host, gather_facts: true, become: true, vars: { output_dir: outputDir }, roles: [target] }];
  writeFileSync(playbook, JSON.stringify(play, null, 2));
  return playbook;
}
