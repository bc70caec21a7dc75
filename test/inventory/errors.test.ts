/**
 * Inventories with mistakes: each is an InventoryError whose message names the file and line (and
 * column for YAML), says what is wrong and, where a near name exists, suggests it. For the INI
 * mistakes, Ansible's own message is checked to be the same (Ansible then only warns and goes on
 * with an empty inventory; we stop).
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { InventoryError, loadInventory } from '../../src/inventory/index.js';
import { ansibleInventoryBatch, fixture } from './support.js';

const errorsDir = fixture('errors');

async function loadError(sources: string[]): Promise<InventoryError> {
  try {
    await loadInventory(sources, { cwd: errorsDir });
  } catch (e) {
    if (e instanceof InventoryError) return e;
    throw e;
  }
  throw new Error(`no error for ${sources.join(', ')}`);
}

const iniCases: Array<{ file: string; message: string; ansible: string }> = [
  {
    file: 'bad-host-var.ini',
    message: 'bad-host-var.ini:7: Expected key=value host variable assignment, got: gpus',
    ansible: 'Expected key=value host variable assignment, got: gpus',
  },
  {
    file: 'unknown-section.ini',
    message: "unknown-section.ini:4: Section [web:childen] has unknown type: childen. Did you mean 'children'?",
    ansible: 'Section [web:childen] has unknown type: childen',
  },
  {
    file: 'undefined-child.ini',
    message: "undefined-child.ini:6: Section [cluster:children] includes undefined group 'wokers'. Did you mean 'workers'?",
    ansible: "Section [cluster:children] includes undefined group 'wokers'.",
  },
  {
    file: 'vars-undefined.ini',
    message: "vars-undefined.ini:4: Section [wbe:vars] not valid for undefined group 'wbe'. Did you mean 'web'?",
    ansible: "Section [wbe:vars] not valid for undefined group 'wbe'.",
  },
  {
    file: 'unclosed-quote.ini',
    message: `unclosed-quote.ini:2: Error parsing host definition 'w1 motd="welcome': No closing quotation`,
    ansible: `Error parsing host definition 'w1 motd="welcome': No closing quotation`,
  },
  {
    file: 'bad-range.ini',
    message: "bad-range.ini:2: host range must specify equal-length begin and end formats (in 'gpu[01:5]')",
    ansible: 'host range must specify equal-length begin and end formats',
  },
];

describe('INI mistakes', () => {
  const ansible = ansibleInventoryBatch(iniCases.map((c) => ['-i', path.join(errorsDir, c.file), '--list']));

  test.each(iniCases.map((c, index) => ({ ...c, index })))('$file', async ({ file, message, ansible: ansibleMessage, index }) => {
    const error = await loadError([file]);
    expect(error.message).toBe(message);
    expect(error.file).toBe(file);
    const reference = (await ansible)[index]!;
    expect(reference.stderr.replace(/\s+/g, ' ')).toContain(ansibleMessage);
  });
});

describe('YAML mistakes', () => {
  test.each([
    { file: 'bad-syntax.yml', message: /^bad-syntax\.yml:5:\d+: YAML syntax error: / },
    {
      file: 'hosts-list.yml',
      message: 'hosts-list.yml:5:9: Invalid "hosts" entry for "workers" group, requires a dictionary, found a list instead.',
    },
    {
      file: 'child-string.yml',
      message: "child-string.yml:3:17: Invalid definition of group 'monitoring' (a child of 'all'): expected a mapping with hosts, vars or children, or nothing, got a str",
    },
    { file: 'numeric-host.yml', message: 'numeric-host.yml:3:5: Host pattern 10 must be a string. Enclose integers/floats in quotation marks.' },
    { file: 'plugin.yml', message: 'plugin.yml:1:9: Inventory plugin configuration (plugin: constructed) is not supported: only INI and YAML inventories are' },
  ])('$file', async ({ file, message }) => {
    const error = await loadError([file]);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
    expect(error.line).toBeGreaterThan(0);
    expect(error.column).toBeGreaterThan(0);
  });

  test('skipped keys are warnings that point at the key and suggest the fix', async () => {
    const inventory = await loadInventory(['warnings.yml'], { cwd: errorsDir });
    expect(inventory.warnings).toEqual([
      `warnings.yml:4:7: Skipping unexpected key (host) in group (workers), only "vars", "children" and "hosts" are valid. Did you mean 'hosts'?`,
      "warnings.yml:6:7: Skipping key (ansible_user) in group (workers) as it is not a mapping, it is a str; group variables belong under 'vars:'",
    ]);
    expect(inventory.resolvePattern('workers')).toEqual(['gpu02']);
  });
});

describe('sources and vars files', () => {
  test('a missing source is an error naming it, with the nearest file', async () => {
    const error = await loadError(['present/hosts.yaml']);
    expect(error.message).toBe("present/hosts.yaml: inventory source not found. Did you mean 'hosts.yml'?");
  });

  test('a group_vars file that is not a mapping', async () => {
    const error = await loadError(['gv-list/hosts.ini']);
    expect(error.message).toBe('gv-list/group_vars/web.yml:1:1: Expected a mapping of variable names to values, got a list');
  });

  test('a host_vars file with a YAML syntax error', async () => {
    const error = await loadError(['gv-syntax/hosts.ini']);
    expect(error.message).toMatch(/^gv-syntax\/host_vars\/h1\.yml:\d+:\d+: YAML syntax error: /);
  });

  test('a group_vars file whose name is close to a group is reported as a warning', async () => {
    const inventory = await loadInventory(['typo-vars/hosts.ini'], { cwd: errorsDir });
    expect(inventory.warnings).toEqual([
      `group_vars/wokers in ${path.join(errorsDir, 'typo-vars')} matches no group of the inventory. Did you mean 'workers'?`,
    ]);
  });

  test('asking for an unknown host or group', async () => {
    const inventory = await loadInventory([fixture('ini-basic', 'hosts.ini')]);
    expect(() => inventory.hostJson('gpu1')).toThrowError("Host 'gpu1' is not in the inventory. Did you mean 'gpu01'?");
    expect(() => inventory.toGraph('gpus')).toThrowError("Pattern must be valid group name when using --graph: 'gpus'. Did you mean 'gpu'?");
  });
});
