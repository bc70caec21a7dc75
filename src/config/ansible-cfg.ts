/**
 * ansible.cfg, found as Ansible finds it (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg,
 * /etc/ansible/ansible.cfg), with the ANSIBLE_* environment variables taking precedence.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface AnsibleConfig {
  /** The file read, if any. */
  file: string | undefined;
  inventory: string[];
  rolesPath: string[];
  /** Where modules are looked for after the playbook's and roles' library/ (ANSIBLE_LIBRARY, [defaults] library). */
  library: string[];
  /** Where collections are installed (ANSIBLE_COLLECTIONS_PATH, [defaults] collections_path), Ansible's defaults when unset. */
  collectionsPaths: string[];
  /** Where lookup plugins are looked for after the playbook's and roles' lookup_plugins/ (ANSIBLE_LOOKUP_PLUGINS, [defaults] lookup_plugins). */
  lookupPlugins: string[];
  /** Where filter and test plugins are looked for after the playbook's and roles' filter_plugins/, test_plugins/ (ANSIBLE_FILTER_PLUGINS, ANSIBLE_TEST_PLUGINS). */
  filterPlugins: string[];
  testPlugins: string[];
  forks: number;
  hostKeyChecking: boolean;
  remoteUser: string | undefined;
  privateKeyFile: string | undefined;
  timeout: number;
  retryFilesEnabled: boolean;
  become: boolean;
  becomeUser: string;
  becomeMethod: string;
}

function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('', current);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      current = sections.get(section[1]!) ?? new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.search(/[=:]/);
    if (eq < 0) continue;
    current.set(line.slice(0, eq).trim(), line.slice(eq + 1).replace(/\s[#;].*$/, '').trim());
  }
  return sections;
}

function toBool(v: string | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  return ['1', 'true', 'yes', 'on', 'y', 't'].includes(v.trim().toLowerCase());
}

export function findConfigFile(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env['ANSIBLE_CONFIG'];
  if (fromEnv) {
    const p = path.resolve(cwd, fromEnv);
    if (existsSync(p)) return statSync(p).isDirectory() ? path.join(p, 'ansible.cfg') : p;
  }
  for (const candidate of [path.join(cwd, 'ansible.cfg'), path.join(os.homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function expandPath(p: string, base: string): string {
  const home = p.startsWith('~') ? path.join(os.homedir(), p.slice(1)) : p;
  return path.resolve(base, home);
}

export function loadAnsibleConfig(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): AnsibleConfig {
  const file = findConfigFile(cwd, env);
  const defaults = file ? parseIni(readFileSync(file, 'utf8')).get('defaults') ?? new Map<string, string>() : new Map<string, string>();
  const privilege = file ? parseIni(readFileSync(file, 'utf8')).get('privilege_escalation') ?? new Map<string, string>() : new Map<string, string>();
  const base = file ? path.dirname(file) : cwd;
  const get = (key: string, envName: string): string | undefined => env[envName] ?? defaults.get(key);
  const list = (v: string | undefined, sep: RegExp): string[] => (v ? v.split(sep).map((s) => s.trim()).filter(Boolean) : []);
  const inventory = env['ANSIBLE_INVENTORY'] ?? defaults.get('inventory') ?? defaults.get('hostfile');
  return {
    file,
    inventory: list(inventory, /,/).map((p) => (p.includes(',') ? p : expandPath(p, base))),
    rolesPath: list(get('roles_path', 'ANSIBLE_ROLES_PATH'), /:/).map((p) => expandPath(p, base)),
    library: list(get('library', 'ANSIBLE_LIBRARY'), /:/).map((p) => expandPath(p, base)),
    // ansible-core 2.19 still reads the plural spellings it deprecated.
    collectionsPaths: list(
      get('collections_path', 'ANSIBLE_COLLECTIONS_PATH') ?? get('collections_paths', 'ANSIBLE_COLLECTIONS_PATHS') ?? '~/.ansible/collections:/usr/share/ansible/collections',
      /:/,
    ).map((p) => expandPath(p, base)),
    lookupPlugins: list(get('lookup_plugins', 'ANSIBLE_LOOKUP_PLUGINS') ?? '~/.ansible/plugins/lookup:/usr/share/ansible/plugins/lookup', /:/).map((p) => expandPath(p, base)),
    filterPlugins: list(get('filter_plugins', 'ANSIBLE_FILTER_PLUGINS') ?? '~/.ansible/plugins/filter:/usr/share/ansible/plugins/filter', /:/).map((p) => expandPath(p, base)),
    testPlugins: list(get('test_plugins', 'ANSIBLE_TEST_PLUGINS') ?? '~/.ansible/plugins/test:/usr/share/ansible/plugins/test', /:/).map((p) => expandPath(p, base)),
    forks: Number(get('forks', 'ANSIBLE_FORKS') ?? 5) || 5,
    hostKeyChecking: toBool(get('host_key_checking', 'ANSIBLE_HOST_KEY_CHECKING'), true),
    remoteUser: get('remote_user', 'ANSIBLE_REMOTE_USER'),
    privateKeyFile: get('private_key_file', 'ANSIBLE_PRIVATE_KEY_FILE'),
    timeout: Number(get('timeout', 'ANSIBLE_TIMEOUT') ?? 10) || 10,
    retryFilesEnabled: toBool(get('retry_files_enabled', 'ANSIBLE_RETRY_FILES_ENABLED'), false),
    become: toBool(env['ANSIBLE_BECOME'] ?? privilege.get('become'), false),
    becomeUser: env['ANSIBLE_BECOME_USER'] ?? privilege.get('become_user') ?? 'root',
    becomeMethod: env['ANSIBLE_BECOME_METHOD'] ?? privilege.get('become_method') ?? 'sudo',
  };
}
