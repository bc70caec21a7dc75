/**
 * The variables Ansible adds to a template file's own (generate_ansible_template_vars), for the
 * template module and the template lookup: template_host, template_path, ..., and ansible_managed
 * when the play does not set it.
 */
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { pyDatetime } from '../python/datetime.js';

/** The file's owner's name, as Ansible's template_uid gives it (the uid when it has none). */
function ownerName(uid: number): string | number {
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // no passwd file: the uid
  }
  return passwd.split('\n').map((l) => l.split(':')).find((f) => Number(f[2]) === uid)?.[0] ?? uid;
}

export function ansibleTemplateVars(file: string, options: { templatePath?: string; destPath?: string | null; withManaged: boolean }): Record<string, unknown> {
  const info = statSync(file);
  const vars: Record<string, unknown> = {
    template_host: os.hostname(),
    template_path: options.templatePath ?? file,
    template_fullpath: file,
    template_destpath: options.destPath ?? null,
    template_uid: ownerName(info.uid),
    template_mtime: pyDatetime(info.mtime),
    template_run_date: pyDatetime(new Date()),
  };
  if (options.withManaged) vars['ansible_managed'] = 'Ansible managed';
  return vars;
}
