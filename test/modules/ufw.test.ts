/**
 * community.general.ufw's planner as pure functions: the ufw fact parsed from real output (ufw
 * 0.36.2 on Debian 12, in a lab node), a task's rule turned into the tuples ufw itself writes
 * (the expected tuples below are what ufw wrote for the same rules), the decision to send a command
 * or not as ufw's own matching decides it, and the SSH lock-out guard.
 */
import { describe, expect, test } from 'vitest';
import { parseTuple, parseUfwState } from '../../src/facts/ufw.js';
import { type UfwRuleArgs, type UfwTask, addressIn, checkRule, modelOf, planUfw, ruleTuples, sshAllowed, ufwAddress, ufwPort } from '../../src/modules/support/ufw-plan.js';

// What the ufw fact's command printed on a lab node after these commands (and SSH_CONNECTION as sshd sets it):
//   ufw allow from 172.31.0.3; ufw allow from 10.1.2.5/24 to any port 6379 proto tcp comment "ray gcs";
//   ufw allow in on eno1 from 10.9.9.9 port 1000:2000 proto udp; ufw route allow in on eno1 out on eth0;
//   ufw deny log from 2001:DB8::1 to any port 80; ufw limit 22/tcp; ufw allow OpenSSH;
//   ufw reject out to 8.8.8.8 port 53,54 proto udp
const FACT_OUTPUT = `@@playbook-ufw:installed=yes
@@playbook-ufw:version=ufw 0.36.2
@@playbook-ufw:status
Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), deny (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     LIMIT IN    Anywhere                  
Anywhere                   ALLOW IN    172.31.0.3                
6379/tcp                   ALLOW IN    10.1.2.0/24                # ray gcs
Anywhere on eno1           ALLOW IN    10.9.9.9 1000:2000/udp    
22/tcp (OpenSSH)           ALLOW IN    Anywhere                  
22/tcp (v6)                LIMIT IN    Anywhere (v6)             
80                         DENY IN     2001:db8::1                (log)
22/tcp (OpenSSH (v6))      ALLOW IN    Anywhere (v6)             

8.8.8.8 53,54/udp          REJECT OUT  Anywhere                  

Anywhere on eth0           ALLOW FWD   Anywhere on eno1          
Anywhere (v6) on eth0      ALLOW FWD   Anywhere (v6) on eno1     

@@playbook-ufw:end
@@playbook-ufw:tuple:/etc/ufw/user.rules:### tuple ### limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in
@@playbook-ufw:tuple:/etc/ufw/user.rules:### tuple ### allow any any 0.0.0.0/0 any 172.31.0.3 in
@@playbook-ufw:tuple:/etc/ufw/user.rules:### tuple ### allow tcp 6379 0.0.0.0/0 any 10.1.2.0/24 in comment=72617920676373
@@playbook-ufw:tuple:/etc/ufw/user.rules:### tuple ### allow udp any 0.0.0.0/0 1000:2000 10.9.9.9 in_eno1
@@playbook-ufw:tuple:/etc/ufw/user.rules:### tuple ### route:allow any any 0.0.0.0/0 any 0.0.0.0/0 in_eno1!out_eth0
@@playbook-ufw:tuple:/etc/ufw/user.rules:### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in
@@playbook-ufw:tuple:/etc/ufw/user.rules:### tuple ### reject udp 53,54 8.8.8.8 any 0.0.0.0/0 out
@@playbook-ufw:tuple:/etc/ufw/user6.rules:### tuple ### limit tcp 22 ::/0 any ::/0 in
@@playbook-ufw:tuple:/etc/ufw/user6.rules:### tuple ### route:allow any any ::/0 any ::/0 in_eno1!out_eth0
@@playbook-ufw:tuple:/etc/ufw/user6.rules:### tuple ### deny_log any 80 ::/0 any 2001:db8::1 in
@@playbook-ufw:tuple:/etc/ufw/user6.rules:### tuple ### allow tcp 22 ::/0 any ::/0 OpenSSH - in
@@playbook-ufw:IPV6=yes
@@playbook-ufw:DEFAULT_INPUT_POLICY="DROP"
@@playbook-ufw:DEFAULT_OUTPUT_POLICY="ACCEPT"
@@playbook-ufw:DEFAULT_FORWARD_POLICY="DROP"
@@playbook-ufw:LOGLEVEL=low
@@playbook-ufw:ssh=172.30.0.1 40122 172.30.0.2 22
@@playbook-ufw:ssh_if=eth0
`;

const tuple = (line: string, v6 = false): ReturnType<typeof parseTuple> => parseTuple(line, v6);

function rule(over: Partial<UfwRuleArgs>): UfwRuleArgs {
  return { rule: 'allow', direction: null, interface: null, interface_in: null, interface_out: null, route: false, log: false, from_ip: 'any', from_port: null, to_ip: 'any', to_port: null, proto: null, name: null, comment: null, delete: false, insert: null, insert_relative_to: 'zero', ...over };
}

const task = (over: Partial<UfwTask>): UfwTask => ({ state: null, default: null, direction: null, logging: null, rule: null, ...over });

describe('the ufw fact', () => {
  const state = parseUfwState(FACT_OUTPUT);

  test('status, policies, log level, IPv6 and the SSH connection', () => {
    expect(state.installed).toBe(true);
    expect(state.version).toBe('ufw 0.36.2');
    expect(state.active).toBe(true);
    expect(state.statusVerbose.split('\n')[0]).toBe('Status: active');
    expect(state.defaults).toEqual({ incoming: 'deny', outgoing: 'allow', routed: 'deny' });
    expect(state.ipv6).toBe(true);
    expect(state.logLevel).toBe('low');
    expect(state.ssh).toEqual({ clientIp: '172.30.0.1', clientPort: 40122, serverIp: '172.30.0.2', serverPort: 22, interface: 'eth0' });
    expect(state.tuples).toHaveLength(11);
    expect(state.tuples.filter((t) => t.v6)).toHaveLength(4);
  });

  test('tuples: comments, interfaces, route rules, applications, log types', () => {
    const [limit, peer, gcs, iface, route, app, out] = state.tuples;
    expect(limit).toMatchObject({ action: 'limit', protocol: 'tcp', dport: '22', src: '0.0.0.0/0', direction: 'in', comment: '' });
    expect(peer).toMatchObject({ action: 'allow', protocol: 'any', src: '172.31.0.3', dst: '0.0.0.0/0' });
    expect(Buffer.from(gcs!.comment, 'hex').toString()).toBe('ray gcs');
    expect(iface).toMatchObject({ sport: '1000:2000', src: '10.9.9.9', direction: 'in', interfaceIn: 'eno1', interfaceOut: '' });
    expect(route).toMatchObject({ forward: true, action: 'allow', interfaceIn: 'eno1', interfaceOut: 'eth0' });
    expect(app).toMatchObject({ dapp: 'OpenSSH', sapp: '', dport: '22' });
    expect(out).toMatchObject({ action: 'reject', direction: 'out', dport: '53,54', dst: '8.8.8.8' });
    expect(state.tuples.find((t) => t.logtype)).toMatchObject({ action: 'deny', logtype: 'log', v6: true, src: '2001:db8::1' });
  });

  test('an inactive firewall and a host without ufw', () => {
    const inactive = parseUfwState(`@@playbook-ufw:installed=yes\n@@playbook-ufw:status\nStatus: inactive\n@@playbook-ufw:end\n@@playbook-ufw:DEFAULT_INPUT_POLICY="ACCEPT"\n`);
    expect(inactive.active).toBe(false);
    expect(inactive.defaults.incoming).toBe('allow');
    expect(inactive.ssh).toBeUndefined();
    expect(parseUfwState('@@playbook-ufw:installed=no\n').installed).toBe(false);
  });
});

describe('addresses and ports as ufw stores them', () => {
  test('normalisation (the values ufw wrote)', () => {
    expect(ufwAddress('10.1.2.5/24')).toEqual({ version: 4, normalized: '10.1.2.0/24' });
    expect(ufwAddress('1.2.3.4/32')).toEqual({ version: 4, normalized: '1.2.3.4' });
    expect(ufwAddress('10.0.0.0/255.255.0.0')).toEqual({ version: 4, normalized: '10.0.0.0/16' });
    expect(ufwAddress('2001:DB8::1')).toEqual({ version: 6, normalized: '2001:db8::1' });
    expect(ufwAddress('2001:0db8:0000:0000:0000:0000:0000:0001/128')).toEqual({ version: 6, normalized: '2001:db8::1' });
    expect(ufwAddress('fe80:0:0:1:0:0:0:0/64')).toEqual({ version: 6, normalized: 'fe80:0:0:1::/64' });
    expect(ufwAddress('::ffff:1.2.3.4')).toEqual({ version: 6, normalized: '::ffff:1.2.3.4' });
    for (const bad of ['10.0.0.300', '10.0.0.1/33', 'example.com', '1.2.3', '2001:db8::1::2', '::1/129']) expect(ufwAddress(bad), bad).toBeUndefined();
  });

  test('containment', () => {
    expect(addressIn('172.30.0.1', '0.0.0.0/0')).toBe(true);
    expect(addressIn('172.30.0.1', '172.30.0.0/16')).toBe(true);
    expect(addressIn('172.31.0.1', '172.30.0.0/16')).toBe(false);
    expect(addressIn('2001:db8::5', '2001:db8::/32')).toBe(true);
    expect(addressIn('2001:db9::5', '2001:db8::/32')).toBe(false);
  });

  test('ports: sorted as ufw sorts them; ranges checked; service names left to ufw', () => {
    expect(ufwPort('8265,6379,22')).toEqual({ port: '22,6379,8265' });
    expect(ufwPort('10002:19999')).toEqual({ port: '10002:19999' });
    expect(ufwPort('2000:1000')).toEqual({ error: "Bad port '2000:1000'" });
    expect(ufwPort('70000')).toEqual({ error: "Bad port '70000'" });
    expect(ufwPort('ssh,http')).toEqual({ error: 'Port ranges must be numeric' });
    expect(ufwPort('ssh')).toBeUndefined();
  });

  test('a bad address or port is named before anything runs', () => {
    expect(checkRule(rule({ from_ip: '10.0.0.300' }))).toBe("ERROR: Bad source address: from_ip '10.0.0.300' is not an IPv4 or IPv6 address or network");
    expect(checkRule(rule({ to_ip: 'peer-1' }))).toBe("ERROR: Bad destination address: to_ip 'peer-1' is not an IPv4 or IPv6 address or network");
    expect(checkRule(rule({ from_ip: '10.0.0.1', to_ip: '::1' }))).toMatch(/^ERROR: Mixed IP versions for 'from' and 'to'/);
    expect(checkRule(rule({ to_port: '0' }))).toBe("ERROR: Bad port '0': to_port '0'");
    expect(checkRule(rule({ from_ip: '172.31.0.3', to_port: '6379', proto: 'tcp' }))).toBeUndefined();
  });
});

describe('a rule as ufw writes it', () => {
  test('the tuples match what ufw wrote for the same rules', () => {
    expect(ruleTuples(rule({ from_ip: '172.31.0.3' }), true)).toEqual([tuple('### tuple ### allow any any 0.0.0.0/0 any 172.31.0.3 in')]);
    expect(ruleTuples(rule({ from_ip: '10.1.2.5/24', to_port: '6379', proto: 'tcp', comment: 'ray gcs' }), true)).toEqual([tuple('### tuple ### allow tcp 6379 0.0.0.0/0 any 10.1.2.0/24 in comment=72617920676373')]);
    expect(ruleTuples(rule({ interface: 'eno1', direction: 'in', from_ip: '10.9.9.9', from_port: '1000:2000', proto: 'udp' }), true)).toEqual([tuple('### tuple ### allow udp any 0.0.0.0/0 1000:2000 10.9.9.9 in_eno1')]);
    expect(ruleTuples(rule({ route: true, interface_in: 'eno1', interface_out: 'eth0' }), true)).toEqual([
      tuple('### tuple ### route:allow any any 0.0.0.0/0 any 0.0.0.0/0 in_eno1!out_eth0'),
      tuple('### tuple ### route:allow any any ::/0 any ::/0 in_eno1!out_eth0', true),
    ]);
    expect(ruleTuples(rule({ rule: 'deny', log: true, from_ip: '2001:DB8::1', to_port: '80' }), true)).toEqual([tuple('### tuple ### deny_log any 80 ::/0 any 2001:db8::1 in', true)]);
    expect(ruleTuples(rule({ rule: 'reject', direction: 'out', to_ip: '8.8.8.8', to_port: '54,53', proto: 'udp' }), true)).toEqual([tuple('### tuple ### reject udp 53,54 8.8.8.8 any 0.0.0.0/0 out')]);
    expect(ruleTuples(rule({ rule: 'limit', to_port: '22', proto: 'tcp' }), false)).toEqual([tuple('### tuple ### limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in')]);
  });

  test('only ufw knows the tuples of an application or a service name', () => {
    expect(ruleTuples(rule({ name: 'OpenSSH' }), true)).toBeUndefined();
    expect(ruleTuples(rule({ to_port: 'ssh' }), true)).toBeUndefined();
  });
});

describe('planUfw', () => {
  const state = parseUfwState(FACT_OUTPUT);

  test('an existing rule sends nothing; a new one, a changed comment or action sends the command', () => {
    expect(planUfw(task({ rule: rule({ from_ip: '172.31.0.3' }) }), state).ops).toEqual([{ argv: ['ufw', 'allow', 'from', '172.31.0.3', 'to', 'any'], change: 'no' }]);
    expect(planUfw(task({ rule: rule({ from_ip: '172.31.0.4' }) }), state).ops[0]?.change).toBe('yes');
    expect(planUfw(task({ rule: rule({ from_ip: '10.1.2.0/24', to_port: '6379', proto: 'tcp', comment: 'gcs' }) }), state).ops[0]).toEqual({
      argv: ['ufw', 'allow', 'from', '10.1.2.0/24', 'to', 'any', 'port', '6379', 'proto', 'tcp', 'comment', 'gcs'],
      change: 'yes',
    });
    const updated = planUfw(task({ rule: rule({ rule: 'deny', from_ip: '172.31.0.3' }) }), state);
    expect(updated.ops[0]?.change).toBe('yes');
    expect(updated.after.tuples[1]).toMatchObject({ action: 'deny', src: '172.31.0.3' });
  });

  test('delete: an exact match, or one whose comment the task does not give; nothing to delete is no change', () => {
    expect(planUfw(task({ rule: rule({ from_ip: '172.31.0.3', delete: true }) }), state).ops[0]).toEqual({ argv: ['ufw', 'delete', 'allow', 'from', '172.31.0.3', 'to', 'any'], change: 'yes' });
    expect(planUfw(task({ rule: rule({ from_ip: '10.1.2.0/24', to_port: '6379', proto: 'tcp', delete: true }) }), state).ops[0]?.change).toBe('yes');
    expect(planUfw(task({ rule: rule({ from_ip: '10.1.2.0/24', to_port: '6379', proto: 'tcp', comment: 'other', delete: true }) }), state).ops[0]?.change).toBe('no');
    expect(planUfw(task({ rule: rule({ from_ip: '172.31.0.9', delete: true }) }), state).ops[0]?.change).toBe('no');
  });

  test('insert skips a rule that matches in all but the action; insert_relative_to counts IPv4 then IPv6 rules', () => {
    expect(planUfw(task({ rule: rule({ rule: 'deny', from_ip: '172.31.0.3', insert: 1 }) }), state).ops[0]?.change).toBe('no');
    const inserted = planUfw(task({ rule: rule({ rule: 'deny', from_ip: '172.31.0.8', insert: 1 }) }), state);
    expect(inserted.ops[0]?.argv).toEqual(['ufw', 'insert', '1', 'deny', 'from', '172.31.0.8', 'to', 'any']);
    expect(inserted.after.tuples[0]).toMatchObject({ action: 'deny', src: '172.31.0.8' });
    expect(planUfw(task({ rule: rule({ from_ip: '172.31.0.8', insert: 0, insert_relative_to: 'last-ipv4' }) }), state).ops[0]?.argv.slice(1, 3)).toEqual(['insert', '7']);
    expect(planUfw(task({ rule: rule({ from_ip: '172.31.0.8', insert: 5, insert_relative_to: 'last-ipv6' }) }), state).ops[0]?.argv).not.toContain('insert');
  });

  test('state, default and logging: as ufw already has them, nothing; reload and reset always', () => {
    expect(planUfw(task({ state: 'enabled' }), state).ops).toEqual([{ argv: ['ufw', '-f', 'enable'], change: 'no' }]);
    expect(planUfw(task({ state: 'disabled' }), state).ops).toEqual([{ argv: ['ufw', '-f', 'disable'], change: 'yes' }]);
    expect(planUfw(task({ state: 'reloaded' }), state).ops).toEqual([{ argv: ['ufw', '-f', 'reload'], change: 'yes', always: true }]);
    expect(planUfw(task({ default: 'deny' }), state).ops).toEqual([{ argv: ['ufw', 'default', 'deny'], change: 'no' }]);
    expect(planUfw(task({ default: 'deny', direction: 'outgoing' }), state).ops).toEqual([{ argv: ['ufw', 'default', 'deny', 'outgoing'], change: 'yes' }]);
    expect(planUfw(task({ logging: 'on' }), state).ops[0]?.change).toBe('no');
    expect(planUfw(task({ logging: 'low' }), state).ops[0]?.change).toBe('no');
    expect(planUfw(task({ logging: 'medium' }), state).ops[0]?.change).toBe('yes');
    expect(planUfw(task({ logging: 'off' }), state).ops[0]?.change).toBe('yes');
  });
});

describe('the SSH lock-out guard', () => {
  const ssh = { port: 22, clientIp: '172.30.0.1', serverIp: '172.30.0.2', interface: 'eth0' };
  const inactive = { ...parseUfwState(FACT_OUTPUT), active: false, tuples: [] };

  test('enabling with default deny and no rule for the port blocks it; with the rule, or a peer network rule, it does not', () => {
    expect(sshAllowed(modelOf(inactive), ssh)).toBe(true);
    expect(sshAllowed(planUfw(task({ state: 'enabled' }), inactive).after, ssh)).toBe(false);
    const withRule = { ...inactive, tuples: [tuple('### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in')!] };
    expect(sshAllowed(planUfw(task({ state: 'enabled' }), withRule).after, ssh)).toBe(true);
    const fromMgmt = { ...inactive, tuples: [tuple('### tuple ### allow any any 0.0.0.0/0 any 172.30.0.0/16 in')!] };
    expect(sshAllowed(planUfw(task({ state: 'enabled' }), fromMgmt).after, ssh)).toBe(true);
    const otherPeer = { ...inactive, tuples: [tuple('### tuple ### allow any any 0.0.0.0/0 any 172.31.0.3 in')!] };
    expect(sshAllowed(planUfw(task({ state: 'enabled' }), otherPeer).after, ssh)).toBe(false);
    const otherIface = { ...inactive, tuples: [tuple('### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in_eno1')!] };
    expect(sshAllowed(planUfw(task({ state: 'enabled' }), otherIface).after, ssh)).toBe(false);
  });

  test('on an active firewall: deleting the rule, or a deny before it, blocks; a default allow does not', () => {
    const active = { ...inactive, active: true, tuples: [tuple('### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in')!] };
    expect(sshAllowed(planUfw(task({ rule: rule({ to_port: '22', proto: 'tcp', delete: true }) }), active).after, ssh)).toBe(false);
    expect(sshAllowed(planUfw(task({ rule: rule({ rule: 'deny', from_ip: '172.30.0.0/16', insert: 1 }) }), active).after, ssh)).toBe(false);
    expect(sshAllowed(planUfw(task({ rule: rule({ rule: 'deny', from_ip: '172.30.0.0/16' }) }), active).after, ssh)).toBe(true);
    expect(sshAllowed(planUfw(task({ default: 'allow' }), { ...active, tuples: [] }).after, ssh)).toBe(true);
  });
});
