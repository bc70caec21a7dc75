/**
 * Every fixture inventory is read by ansible-inventory (Ansible 2.19) and by us; `--list`,
 * `--graph --vars`, `--graph <group>` and `--host <h>` must print identical text (for JSON: the
 * same keys, order, values and number formatting, 1.0 included). To keep Ansible runs few, plain
 * `--graph` is compared with `--graph --vars` minus its variable lines, and `--host` for further
 * hosts with their entry in `--list`'s `_meta.hostvars` (one function prints both in Ansible).
 */
import { describe, expect, test } from 'vitest';
import { Inventory, loadInventory } from '../../src/inventory/index.js';
import { ansibleInventory, ansibleInventoryBatch, fixture, type CommandResult } from './support.js';

interface ParityCase {
  name: string;
  sources: string[];
  /** Hosts to compare `--host` for (the first through ansible-inventory --host). */
  hosts?: string[];
  /** Groups to start `--graph` at. */
  graphGroups?: string[];
  playbookDir?: string;
}

const cases: ParityCase[] = [
  {
    name: 'INI: ranges, sections, value typing, group_vars/host_vars files and directories',
    sources: [fixture('ini-basic', 'hosts.ini')],
    hosts: ['gpu01', 'gpu05', 'nas01', 'lonely', 'bastion', 'web4.example.com'],
    graphGroups: ['cluster'],
  },
  {
    name: 'INI without extension: declarations after use, re-declared hosts, multiple ranges',
    sources: [fixture('ini-edge', 'hosts')],
    hosts: ['k1', 'db-b-2'],
  },
  {
    name: 'YAML: nesting, ranges, null hosts, anchors and merges, YAML 1.1 values',
    sources: [fixture('yaml-basic', 'hosts.yml')],
    hosts: ['gpu-head.lab', 'gpu-w2.lab', 'exta', 'standalone'],
    graphGroups: ['ray_cluster', 'workers'],
  },
  { name: 'JSON inventory (1e3 is a float in JSON)', sources: [fixture('json-inventory', 'hosts.json')], hosts: ['g1'] },
  { name: 'YAML flow style', sources: [fixture('flow-inventory', 'hosts.yaml')], hosts: ['g1', 'g3'] },
  {
    name: 'a directory: every file, ignored extensions, nested directories, its group_vars/host_vars',
    sources: [fixture('dir-inventory')],
    hosts: ['h1', 'w3', 'e1', 'n1'],
  },
  {
    name: 'several -i: merged in order, group_vars beside each',
    sources: [fixture('multi', 'a', 'hosts.ini'), fixture('multi', 'b', 'hosts.yml')],
    hosts: ['shared', 'b1', 'a1'],
  },
  {
    name: 'several -i in the other order',
    sources: [fixture('multi', 'b', 'hosts.yml'), fixture('multi', 'a', 'hosts.ini')],
    hosts: ['shared'],
  },
  {
    name: 'precedence: depth, priority, name; inventory and playbook group_vars/host_vars',
    sources: [fixture('precedence', 'hosts.yml')],
    hosts: ['h1', 'h2'],
    playbookDir: fixture('precedence', 'playbook'),
  },
  { name: 'precedence without a playbook dir', sources: [fixture('precedence', 'hosts.yml')], hosts: ['h1'] },
  { name: 'an inline host list', sources: ['a.example.com,b:2222,[::1]:22,c[1:2],'], hosts: ['b'] },
];

interface References {
  list: Promise<CommandResult>;
  graphVars: Promise<CommandResult>;
  graphGroups: Array<[string, Promise<CommandResult>]>;
  firstHost: Promise<CommandResult> | undefined;
}

// Every command line goes into one batch (one Python start-up); each test waits for its own result.
const jobs: string[][] = [];
const batch = new Promise<CommandResult[]>((resolve, reject) => {
  setTimeout(() => ansibleInventoryBatch(jobs).then(resolve, reject), 0);
});
function job(args: string[]): Promise<CommandResult> {
  const index = jobs.push(args) - 1;
  return batch.then((results) => results[index]!);
}

const references = new Map<ParityCase, References>(
  cases.map((c) => {
    const extra = c.playbookDir ? ['--playbook-dir', c.playbookDir] : [];
    const run = (...args: string[]): Promise<CommandResult> => job([...c.sources.flatMap((s) => ['-i', s]), ...args, ...extra]);
    return [
      c,
      {
        list: run('--list'),
        graphVars: run('--graph', '--vars'),
        graphGroups: (c.graphGroups ?? []).map((g) => [g, run('--graph', g)]),
        firstHost: c.hosts?.[0] === undefined ? undefined : run('--host', c.hosts[0]),
      },
    ];
  }),
);

async function expected(result: Promise<CommandResult>): Promise<string> {
  const { stdout, stderr, code } = await result;
  expect(code, stderr).toBe(0);
  return stdout.replace(/\n$/, '');
}

describe.each(cases)('$name', (c) => {
  const ref = references.get(c)!;
  const inventory = loadInventory(c.sources);

  test('--list', async () => {
    const ours = Inventory.formatJson((await inventory).toListJson(c.playbookDir));
    expect(ours).toBe(await expected(ref.list));
  });

  test('--graph and --graph --vars', async () => {
    const inv = await inventory;
    const withVars = await expected(ref.graphVars);
    expect(inv.toGraph('all', true, c.playbookDir)).toBe(withVars);
    const plain = withVars
      .split('\n')
      .filter((line) => !/^(?: {2}\|)*--\{/.test(line))
      .join('\n');
    expect(inv.toGraph('all', false, c.playbookDir)).toBe(plain);
    for (const [group, result] of ref.graphGroups) expect(inv.toGraph(group, false, c.playbookDir)).toBe(await expected(result));
  });

  test.runIf(ref.firstHost !== undefined)('--host', async () => {
    const inv = await inventory;
    const [first, ...others] = c.hosts ?? [];
    expect(Inventory.formatJson(inv.hostJson(first!, c.playbookDir))).toBe(await expected(ref.firstHost!));
    // Our --list equals Ansible's (test above), so its hostvars stand for Ansible's --host output.
    const list = inv.toListJson(c.playbookDir) as { _meta: { hostvars: Record<string, unknown> } };
    for (const host of others) expect(inv.hostJson(host, c.playbookDir), host).toEqual(list._meta.hostvars[host] ?? {});
  });
});

test('the batched reference prints what separate ansible-inventory processes print', async () => {
  const c = cases[0]!;
  const ref = references.get(c)!;
  const [list, host] = await Promise.all([ansibleInventory(c.sources, ['--list']), ansibleInventory(c.sources, ['--host', 'gpu01'])]);
  expect(await expected(ref.list)).toBe(list.stdout.replace(/\n$/, ''));
  expect(await expected(ref.firstHost!)).toBe(host.stdout.replace(/\n$/, ''));
});
