/**
 * Host patterns against Ansible: a table of patterns (and --limit values) is resolved by Ansible's
 * InventoryManager through reference.py and by resolvePattern; hosts and their order must match,
 * and where Ansible raises, we raise. A few rows are also checked against the real
 * `ansible <pattern> --list-hosts`. The `groups` and `group_names` magic variables are compared too.
 */
import { describe, expect, test } from 'vitest';
import { InventoryError, loadInventory } from '../../src/inventory/index.js';
import { ansibleListHosts, fixture, referenceInventories } from './support.js';

interface PatternCase {
  pattern: string;
  limit?: string;
}

const common = ['all', '*', '', 'nomatch', 'localhost', '127.0.0.1', 'ungrouped', 'al*', '!ungrouped', '~['];

const tables: Array<{ name: string; sources: string[]; cases: PatternCase[] }> = [
  {
    name: 'INI inventory',
    sources: [fixture('ini-basic', 'hosts.ini')],
    cases: [
      ...[
        ...common,
        'gpu',
        'gpu01',
        'gpu0*',
        '*.example.com',
        '~gpu0[12]',
        '~(?i)GPU0[34]',
        '~web\\d+',
        'gpu:cpu',
        'gpu,cpu',
        'cpu:gpu',
        ' gpu , storage ',
        'gpu:&cluster',
        'cluster:!gpu',
        'cluster:&gpu:!gpu02',
        '!gpu',
        '&gpu',
        'gpu[0]',
        'gpu[-1]',
        'gpu[1:3]',
        'gpu[2:]',
        'gpu[0:0]',
        'gpu[99]',
        'gpu[1-2]',
        'nomatch:gpu01',
        'gpu01:gpu01',
        'bastion:gpu',
        '10.0.0.*',
        '10.0.0.1',
        'node[a:b]',
        'gpu0[1-3]',
        '*[1]',
        'gpu*:&cpu',
        'lonely:2222',
        'cl?ster',
        'web[!1]*',
      ].map((pattern) => ({ pattern })),
      { pattern: 'all', limit: 'gpu[0:1]' },
      { pattern: 'cluster', limit: `@${fixture('patterns', 'limit.retry')}` },
      { pattern: 'all', limit: '!gpu' },
      { pattern: 'gpu', limit: 'gpu05,bastion' },
      { pattern: 'cpu', limit: 'nomatch' },
    ],
  },
  {
    name: 'YAML inventory',
    sources: [fixture('yaml-basic', 'hosts.yml')],
    cases: [
      ...common,
      'ray_cluster',
      'workers[1:]',
      'gpu-w*.lab',
      '~gpu-w[0-9]\\.lab',
      'head:workers',
      'extras:&workers',
      'workers:!extras',
      'ext*',
      'standalone',
      'empty_group',
      'flat_vars_group',
      '*.lab[0]',
    ].map((pattern) => ({ pattern })),
  },
  {
    name: 'several sources and a directory',
    sources: [fixture('dir-inventory'), fixture('multi', 'a', 'hosts.ini'), fixture('multi', 'b', 'hosts.yml')],
    cases: [...common, 'cluster', 'alpha:beta', 'alpha:&beta', 'shared', 'w*', 'nested:edge'].map((pattern) => ({ pattern })),
  },
  { name: 'no inventory (implicit localhost only)', sources: [], cases: common.map((pattern) => ({ pattern })) },
];

const references = referenceInventories(tables.map(({ sources, cases }) => ({ sources, cases })));

describe.each(tables.map((table, index) => ({ ...table, index })))('$name', ({ sources, cases, index: tableIndex }) => {
  const reference = references.then((all) => all[tableIndex]!);
  const inventory = loadInventory(sources);

  test.each(cases.map((c, index) => ({ ...c, index })))('pattern $pattern limit $limit', async ({ pattern, limit, index }) => {
    const expected = (await reference).patterns[index]!;
    const inv = await inventory;
    const resolve = (): string[] => inv.resolvePattern(pattern, limit === undefined ? {} : { limit });
    if ('error' in expected) {
      expect(resolve).toThrowError(InventoryError);
      expect(resolve).toThrowError(expected.error);
    } else {
      expect(resolve()).toEqual(expected.hosts);
    }
  });

  test('groups and group_names', async () => {
    const ref = await reference;
    const inv = await inventory;
    expect(inv.groupsVar()).toEqual(ref.groups);
    expect(Object.keys(inv.groupsVar())).toEqual(Object.keys(ref.groups));
    for (const [host, names] of Object.entries(ref.group_names)) expect(inv.groupsOf(host), host).toEqual(names);
    expect(inv.hostNames()).toEqual(ref.groups['all']);
  });
});

test('the reference agrees with `ansible <pattern> --list-hosts`', async () => {
  const sources = [fixture('ini-basic', 'hosts.ini')];
  const inv = await loadInventory(sources);
  const rows: PatternCase[] = [{ pattern: 'cluster:&gpu:!gpu02' }, { pattern: 'gpu[1:3]' }, { pattern: 'all', limit: 'gpu[0:1]' }];
  const listed = await Promise.all(rows.map((r) => ansibleListHosts(sources, r.pattern, r.limit)));
  rows.forEach((r, i) => expect(inv.resolvePattern(r.pattern, r.limit === undefined ? {} : { limit: r.limit })).toEqual(listed[i]));
});

describe('pattern warnings', () => {
  test('a pattern that matches nothing gives [] and a warning naming it, with a suggestion', async () => {
    const inv = await loadInventory([fixture('ini-basic', 'hosts.ini')]);
    expect(inv.resolvePattern('gpuu')).toEqual([]);
    expect(inv.patternWarnings('gpuu:cpu')).toEqual(["Could not match supplied host pattern, ignoring: gpuu. Did you mean 'gpu'?"]);
    expect(inv.patternWarnings('zzzzzz')).toEqual(['Could not match supplied host pattern, ignoring: zzzzzz']);
    expect(inv.patternWarnings('gpu:cpu')).toEqual([]);
  });

  test('an invalid regex and a missing limit file are errors', async () => {
    const inv = await loadInventory([fixture('ini-basic', 'hosts.ini')]);
    expect(() => inv.resolvePattern('~gpu(')).toThrowError('Invalid host list pattern: ~gpu(');
    expect(() => inv.resolvePattern('all', { limit: '@/nonexistent/file.retry' })).toThrowError('Unable to find limit file /nonexistent/file.retry');
  });
});
