/**
 * The Inventory API the engine uses: variable layers in Ansible's precedence order (the merged
 * result is checked against ansible-inventory --host in parity.test.ts), playbook-dir vars, the
 * implicit localhost, and the magic variables that come from the inventory.
 */
import { describe, expect, test } from 'vitest';
import { PyFloat } from '../../src/python/values.js';
import { loadInventory, readEntityVars } from '../../src/inventory/index.js';
import { fixture } from './support.js';

describe('variable layers', () => {
  test('come in Ansible precedence order, from low to high', async () => {
    const inventory = await loadInventory([fixture('precedence', 'hosts.yml')]);
    const layers = inventory.varLayers('h1', fixture('precedence', 'playbook'));
    const inventoryDir = fixture('precedence');
    const playbookDir = fixture('precedence', 'playbook');
    expect(layers.map((l) => l.source)).toEqual([
      'inventory: group all',
      // Groups by depth, then ansible_group_priority (zeta has 10), then name.
      'inventory: group alpha',
      'inventory: group parent',
      'inventory: group zeta',
      'inventory: group child',
      `${inventoryDir}/group_vars/all.yml`,
      `${playbookDir}/group_vars/all.yml`,
      `${inventoryDir}/group_vars/alpha.yml`,
      `${inventoryDir}/group_vars/parent.yml`,
      `${inventoryDir}/group_vars/child.yml`,
      `${playbookDir}/group_vars/child.yml`,
      'inventory: host h1',
      `${inventoryDir}/host_vars/h1.yml`,
      `${playbookDir}/host_vars/h1.yml`,
    ]);
    expect(inventory.hostVars('h1', playbookDir)).toMatchObject({
      v_all: 'playbook_all',
      v_depth: 'child',
      v_prio: 'zeta',
      v_name: 'zeta',
      v_gv: 'playbook_child',
      v_host: 'host_vars',
      v_pb: 'playbook_host_vars',
    });
    // Without the playbook dir its files simply do not take part.
    expect(inventory.hostVars('h1')).toMatchObject({ v_all: 'group_vars_all', v_gv: 'child', v_pb: 'inventory_host_vars' });
  });

  test('a group_vars directory contributes its files in sorted order', async () => {
    const inventory = await loadInventory(['hosts.ini'], { cwd: fixture('ini-basic') });
    const sources = inventory.varLayers('gpu02').map((l) => l.source);
    expect(sources.filter((s) => s.includes('group_vars/gpu'))).toEqual([
      fixture('ini-basic', 'group_vars', 'gpu', '10-driver.yml'),
      fixture('ini-basic', 'group_vars', 'gpu', '20-more.yaml'),
    ]);
    const vars = inventory.hostVars('gpu02');
    expect(vars['driver']).toBe(560);
    // A YAML float keeps being a float (1.0 prints as 1.0), the INI host line wins over group_vars.
    expect(vars['ratio']).toBe(0.5);
    expect(inventory.hostVars('gpu05')['ratio']).toEqual(new PyFloat(1));
  });

  test('readEntityVars reads group_vars/host_vars under any directory', () => {
    const layers = readEntityVars(fixture('precedence', 'playbook'), 'group', 'child');
    expect(layers).toEqual([{ source: fixture('precedence', 'playbook', 'group_vars', 'child.yml'), vars: { v_gv: 'playbook_child' } }]);
    expect(readEntityVars(fixture('precedence', 'playbook'), 'host', 'nobody')).toEqual([]);
  });
});

describe('magic variables from the inventory', () => {
  test('inventory_file, inventory_dir, group_names, groups', async () => {
    const inventory = await loadInventory(['hosts.ini'], { cwd: fixture('ini-basic') });
    const vars = inventory.hostVars('gpu01');
    expect(vars['inventory_file']).toBe(fixture('ini-basic', 'hosts.ini'));
    expect(vars['inventory_dir']).toBe(fixture('ini-basic'));
    expect(inventory.sources).toEqual([fixture('ini-basic', 'hosts.ini')]);
    expect(inventory.groupsOf('gpu01')).toEqual(['cluster', 'gpu']);
    // As in Ansible, a host outside any group has `ungrouped` in group_names.
    expect(inventory.groupsOf('lonely')).toEqual(['ungrouped']);
    expect(inventory.groupsVar()['storage']).toEqual(['nas01']);
    expect(inventory.groupNames().slice(0, 2)).toEqual(['all', 'ungrouped']);
    expect(inventory.hasHost('gpu05')).toBe(true);
    expect(inventory.hasHost('gpu06')).toBe(false);
    expect(inventory.hasGroup('cluster')).toBe(true);
  });

  test('a host list has no inventory_dir', async () => {
    const inventory = await loadInventory(['a,b:2200,']);
    expect(inventory.hostNames()).toEqual(['a', 'b']);
    expect(inventory.hostVars('b')).toEqual({ ansible_port: 2200, inventory_file: 'a,b:2200,', inventory_dir: null });
  });
});

describe('no inventory', () => {
  test('only the implicit localhost, which `all` does not match', async () => {
    const inventory = await loadInventory([]);
    expect(inventory.hostNames()).toEqual([]);
    expect(inventory.resolvePattern('all')).toEqual([]);
    expect(inventory.resolvePattern('localhost')).toEqual(['localhost']);
    expect(inventory.hasHost('localhost')).toBe(false);
    expect(inventory.hostVars('localhost')).toMatchObject({ ansible_connection: 'local' });
    expect(inventory.groupsOf('localhost')).toEqual([]);
    expect(inventory.warnings).toEqual(['No inventory was parsed, only implicit localhost is available']);
  });

  test('all-group variables still reach the implicit localhost', async () => {
    const inventory = await loadInventory([fixture('precedence', 'hosts.yml')]);
    expect(inventory.resolvePattern('localhost')).toEqual(['localhost']);
    expect(inventory.hostVars('localhost')).toMatchObject({ v_all: 'group_vars_all', ansible_connection: 'local' });
  });
});
