/**
 * add_host's action: the host, groups and variables it asks the inventory for. Each expectation
 * is the `add_host` value ansible-playbook 2.19 registered for the same arguments.
 */
import { describe, expect, it } from 'vitest';
import addHost from '../../src/modules/add-host.js';
import type { ModuleContext } from '../../src/modules/types.js';

async function action(args: Record<string, unknown>): Promise<unknown> {
  const result = await addHost.bind(args).run({} as ModuleContext);
  return result.failed ? result.msg : result['add_host'];
}

describe('add_host action', () => {
  it('names the host by name, else hostname, else host; host:port gives an integer ansible_ssh_port', async () => {
    expect(await action({ name: 'h1', groups: 'g1,g2', foo: 'bar' })).toEqual({ host_name: 'h1', groups: ['g1', 'g2'], host_vars: { foo: 'bar' } });
    // `host` and `group` are not special: they are variables too.
    expect(await action({ hostname: 'h4:2200', group: 'gg', host: 'hh', x: 1 })).toEqual({
      host_name: 'h4',
      groups: ['gg'],
      host_vars: { group: 'gg', host: 'hh', x: 1, ansible_ssh_port: 2200 },
    });
    expect(await action({ name: '[::1]:22' })).toEqual({ host_name: '::1', groups: [], host_vars: { ansible_ssh_port: 22 } });
    // A name that is not an address is used as written.
    expect(await action({ name: 'a[1:3]' })).toEqual({ host_name: 'a[1:3]', groups: [], host_vars: {} });
    expect(await action({ name: 'a b c' })).toEqual({ host_name: 'a b c', groups: [], host_vars: {} });
    expect(await action({ name: null, hostname: 'hx' })).toBe('name, host or hostname needs to be provided');
  });

  it('takes groups as a list or comma-separated names, stripped, each once as written', async () => {
    expect(await action({ name: 'h8', groups: ' g1 , g3,g1' })).toEqual({ host_name: 'h8', groups: ['g1', 'g3'], host_vars: {} });
    expect(await action({ name: 'h2', groups: ['g1', 'g2'] })).toEqual({ host_name: 'h2', groups: ['g1', 'g2'], host_vars: {} });
    expect(await action({ name: 'h1', groups: '' })).toEqual({ host_name: 'h1', groups: [], host_vars: {} });
    expect(await action({ name: 'h3', groups: 5 })).toBe('Groups must be specified as a list.');
    expect(await action({ name: 'h1', groups: ['g1', 5] })).toBe("Task failed: '_AnsibleTaggedInt' object has no attribute 'strip'");
  });

  it('reads a mapping given as the whole argument under the other arguments, and refuses anything else', async () => {
    expect(await action({ _raw_params: { hostname: 'x', v: 1, groups: 'a' }, v: 2, groups: 'b' })).toEqual({ host_name: 'x', groups: ['b'], host_vars: { v: 2 } });
    expect(await action({ _raw_params: 'foo bar' })).toBe("Invalid raw parameters passed, requires a dictionary/mapping got a  <class 'ansible.module_utils._internal._datatag._AnsibleTaggedStr'>");
    expect(await action({ _raw_params: [1, 2] })).toBe("Invalid raw parameters passed, requires a dictionary/mapping got a  <class 'ansible.module_utils._internal._datatag._AnsibleTaggedList'>");
    expect(await action({ _raw_params: true })).toBe("Invalid raw parameters passed, requires a dictionary/mapping got a  <class 'bool'>");
  });
});
