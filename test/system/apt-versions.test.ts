/**
 * apt's version rules on lab nodes, against a local repository with three versions of one package
 * (labpin 1.0-1, 1.2-1, 2.0-1, built on the node with dpkg-deb): `pkg=1.0*` pins, `pkg>=1.1`
 * accepts what is there, `latest` with only_upgrade upgrades only what is installed, a downgrade
 * is refused by apt unless allow_downgrade; confirmed with dpkg, re-runs report changed=0, check
 * mode predicts; the same sequence under ansible-playbook on the other node gives the same recap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

const dpkg = async (node: string, pkg: string): Promise<string> => (await lab.sh(node, `dpkg-query -W -f='\${db:Status-Status} \${Version}' ${pkg} 2>/dev/null || echo absent`)).stdout.trim();

const REPO = `set -e
mkdir -p /opt/labrepo
for v in 1.0-1 1.2-1 2.0-1; do
  d=/tmp/labpin-$v; mkdir -p $d/DEBIAN
  printf 'Package: labpin\\nVersion: %s\\nArchitecture: all\\nMaintainer: lab <lab@lab.invalid>\\nDescription: a package with three versions\\n' $v > $d/DEBIAN/control
  dpkg-deb --build $d /opt/labrepo/labpin_\${v}_all.deb >/dev/null
done
cd /opt/labrepo
for f in *.deb; do dpkg-deb -f $f; echo "Filename: ./$f"; echo "Size: $(stat -c %s $f)"; echo "SHA256: $(sha256sum $f | cut -d' ' -f1)"; echo; done > Packages
echo 'deb [trusted=yes] file:/opt/labrepo ./' > /etc/apt/sources.list.d/labrepo.list
apt-get -q update >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-apt >/dev/null 2>&1`;

beforeAll(async () => {
  lab = await startModuleLab('aptver');
  for (const node of ['node1', 'node2']) {
    const r = await lab.sh(node, REPO, 300_000);
    expect(r.rc, r.stdout + r.stderr).toBe(0);
  }
}, 900_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('apt versions', () => {
  it('pins, upgrades only what is installed, and downgrades only when allowed', async () => {
    const pin = `    - apt: { name: "labpin=1.0*" }\n`;
    expect((await lab.play(pin, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await dpkg('node2', 'labpin')).toBe('installed 1.0-1');
    expect((await lab.play(pin, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });

    const upgrade = `    - apt: { name: [labpin, hello], state: latest, only_upgrade: true }\n`;
    expect((await lab.play(upgrade, { hosts: 'node2', args: ['--check'] })).recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await dpkg('node2', 'labpin')).toBe('installed 1.0-1');
    expect((await lab.play(upgrade, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await dpkg('node2', 'labpin')).toBe('installed 2.0-1');
    expect(await dpkg('node2', 'hello')).toBe('absent');
    expect((await lab.play(upgrade, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });

    const refused = await lab.play(`    - apt: { name: "labpin=1.2*" }\n      ignore_errors: true\n      register: r\n`, { hosts: 'node2', dump: ['r'] });
    expect(refused.registered('node2')['r']).toMatchObject({ failed: true, msg: expect.stringMatching(/^'apt-get -y .* install labpin=1\.2-1' failed: E: Packages were downgraded and -y was used without --allow-downgrades/) });
    expect(await dpkg('node2', 'labpin')).toBe('installed 2.0-1');
    const downgrade = `    - apt: { name: "labpin=1.2*", allow_downgrade: true }\n`;
    expect((await lab.play(downgrade, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await dpkg('node2', 'labpin')).toBe('installed 1.2-1');
    expect((await lab.play(`    - apt: { name: "labpin>=1.1" }\n`, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 600_000);

  it('gives what ansible-playbook gives for the same sequence', async () => {
    await lab.sh('node2', 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q labpin hello >/dev/null 2>&1; true');
    const tasks = `    - apt: { name: "labpin=1.0*" }
      register: pin
    - apt: { name: "labpin=1.0*" }
      register: pin_again
    - apt: { name: [labpin, hello], state: latest, only_upgrade: true }
      register: upgrade
    - apt: { name: "labpin=1.2*" }
      ignore_errors: true
      register: refused
    - apt: { name: "labpin=1.2*", allow_downgrade: true }
      register: downgrade
    - apt: { name: "labpin>=1.1" }
      register: accepted
    - apt: { name: "labpin=1*" }
      register: wildcard
`;
    const keys = ['pin', 'pin_again', 'upgrade', 'refused', 'downgrade', 'accepted', 'wildcard'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (r: Record<string, any>): unknown => ({ changed: r['changed'], failed: r['failed'] });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    for (const pkg of ['labpin', 'hello']) expect(await dpkg('node2', pkg), pkg).toBe(await dpkg('node1', pkg));
  }, 600_000);
});
