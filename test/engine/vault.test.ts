/** Vaulted values without vault secrets, and the vault/unvault filters, as ansible-playbook 2.19 (checked against it). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { LOCAL_INVENTORY, project, recapLine, run } from './helpers.js';

const UNDECRYPTABLE = 'Attempt to use undecryptable variable: Attempting to decrypt but no vault secrets found.';

test('a !vault value fails any use but the vault filters and tests; unvault with its secret decrypts it', async () => {
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'pb.yml': `- hosts: node1
  gather_facts: false
  vars:
    secret_var: !vault |
      $ANSIBLE_VAULT;1.2;AES256;test1
      65383166333033626133363239373635393635353232316433386430316265316639663234326638
      6637623162613135623965386334313361383365326466340a316465653939333339393464623664
      32303038646437326134363662393038666538643065613136316361306132636231336233333362
      3665646531363138390a643530333038333936343262343638626535653564616537313635353633
      3865
    holder: { plain: hi, inner: "{{ secret_var }}" }
  tasks:
    - debug: var=secret_var
      register: r1
      ignore_errors: true
    - debug: var=holder
      register: r2
      ignore_errors: true
    - copy: { dest: "{{ playbook_dir }}/out.txt", content: "{{ secret_var }}" }
      register: r3
      ignore_errors: true
    - assert:
        that: secret_var is ansible._protomatter.tagged_with('VaultedValue')
      ignore_errors: true
    - assert:
        that:
          - r1 is failed
          - r2 is failed
          - r3 is failed
          - secret_var is vault_encrypted
          - "secret_var | unvault('test1@secret') is match('foo: bar')"
          - "'x' | vault('pw', wrap_object=True) is ansible._protomatter.tagged_with('VaultedValue')"
          - "'x' | vault('pw') is not ansible._protomatter.tagged_with('VaultedValue')"
          - "'x' | vault('pw') | unvault('pw') == 'x'"
`,
  });
  const ran = await run(dir);
  expect(ran.exitCode).toBe(0);
  expect(ran.output).toContain(`fatal: [node1]: FAILED! => {"msg": "Task failed: Error while resolving \`var\` expression: ${UNDECRYPTABLE}"}`);
  expect(ran.output.split(UNDECRYPTABLE).length - 1).toBeGreaterThanOrEqual(4 * 2);
  expect(existsSync(path.join(dir, 'out.txt'))).toBe(false);
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=5 .*failed=0 .*ignored=4/);
});
