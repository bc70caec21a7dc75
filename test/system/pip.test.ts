/**
 * pip on lab nodes: an intranet without internet, where /etc/pip.conf points pip at the offline
 * wheelhouse (/opt/lab/wheelhouse: six, idna, attrs, click, virtualenv, ray[default] and its
 * dependencies, a vllm stand-in versioned 0.17.1+lab.1). Virtualenvs made with `python3 -m venv`
 * and with virtualenv, names with versions and extras, requirements files, an executable, the
 * system Python behind break_system_packages; every change confirmed with pip list on the node;
 * re-runs report changed=0; check mode predicts and changes nothing; parity with ansible-playbook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

/** What a pip lists on a node, name (lower case) -> version. */
const listed = async (node: string, pip: string): Promise<Record<string, string>> => {
  const r = await lab.sh(node, `${pip} list --format=json 2>/dev/null || echo '[]'`);
  return Object.fromEntries((JSON.parse(r.stdout) as { name: string; version: string }[]).map((p) => [p.name.toLowerCase(), p.version]));
};

beforeAll(async () => {
  lab = await startModuleLab('pip');
  const wheels = await lab.sh('node2', 'ls /opt/lab/wheelhouse');
  for (const w of ['six-1.17.0', 'idna-3.20', 'attrs-26.1.0', 'click-8.5.1', 'ray-2.53.0', 'vllm-0.17.1+lab.1', 'virtualenv-']) expect(wheels.stdout).toContain(w);
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

const VENV = `virtualenv: /opt/v1\n        virtualenv_command: python3 -m venv`;

describe('pip', () => {
  it('makes a virtualenv and installs into it from the wheelhouse; a re-run changes nothing', async () => {
    const task = `    - pip:\n        name: [six==1.17.0, "idna>=3"]\n        ${VENV}\n      register: r\n`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(first.registered('node2')['r']).toMatchObject({ changed: true, name: ['six==1.17.0', 'idna>=3'], state: 'present', virtualenv: '/opt/v1', cmd: ['/opt/v1/bin/pip3', 'install', 'six==1.17.0', 'idna>=3'] });
    expect(first.registered('node2')['r'].stdout).toMatch(/Successfully installed idna-3\.20 six-1\.17\.0/);
    expect(await listed('node2', '/opt/v1/bin/pip')).toMatchObject({ six: '1.17.0', idna: '3.20' });
    const again = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    expect(again.registered('node2')['r']).toMatchObject({ changed: false, name: ['six==1.17.0', 'idna>=3'] });
  }, 300_000);

  it('check mode predicts an install and a removal and changes nothing', async () => {
    const run = await lab.play(`    - pip:\n        name: attrs\n        ${VENV}\n    - pip:\n        name: six\n        state: absent\n        ${VENV}\n    - pip:\n        name: six\n        ${VENV}\n`, { hosts: 'node2', args: ['--check'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ ok: 3, changed: 2, failed: 0 });
    const now = await listed('node2', '/opt/v1/bin/pip');
    expect(now['attrs']).toBeUndefined();
    expect(now['six']).toBe('1.17.0');
  }, 300_000);

  it('removes a package; a re-run changes nothing', async () => {
    const task = `    - pip:\n        name: six\n        state: absent\n        ${VENV}\n`;
    const run = await lab.play(task, { hosts: 'node2' });
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect((await listed('node2', '/opt/v1/bin/pip'))['six']).toBeUndefined();
    expect((await lab.play(task, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('installs a requirements file, relative to chdir; a re-run decides without pip', async () => {
    await lab.sh('node2', `mkdir -p /srv/app && printf '# app\\nclick==8.5.1\\nattrs\\n' > /srv/app/requirements.txt`);
    const task = `    - pip:\n        requirements: requirements.txt\n        chdir: /srv/app\n        virtualenv: venv\n        virtualenv_command: python3 -m venv\n      register: r\n`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.registered('node2')['r']).toMatchObject({ changed: true, requirements: 'requirements.txt', virtualenv: '/srv/app/venv' });
    expect(await listed('node2', '/srv/app/venv/bin/pip')).toMatchObject({ click: '8.5.1', attrs: '26.1.0' });
    const again = await lab.play(task, { hosts: 'node2', args: ['--check'] });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    expect((await lab.play(task, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it("installs with an executable's pip; a local version label satisfies the public version", async () => {
    const task = `    - pip: { name: vllm==0.17.1, executable: /opt/v1/bin/pip, extra_args: "--no-deps" }\n`;
    const run = await lab.play(task, { hosts: 'node2' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 1 });
    expect((await listed('node2', '/opt/v1/bin/pip'))['vllm']).toBe('0.17.1+lab.1');
    expect((await lab.play(task, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('installs ray[default]==2.53.0 with its dependencies from the wheelhouse, once', async () => {
    const task = `    - pip:\n        name: "ray[default]==2.53.0"\n        virtualenv: /opt/ray\n        virtualenv_command: python3 -m venv\n`;
    const run = await lab.play(task, { hosts: 'node2', timeoutMs: 900_000 });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 1 });
    expect(await listed('node2', '/opt/ray/bin/pip')).toMatchObject({ ray: '2.53.0', aiohttp: '3.14.5', 'py-spy': '0.4.3' });
    expect((await lab.play(task, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 900_000);

  it('the system Python: refused as externally managed unless break_system_packages; then virtualenv makes a venv', async () => {
    const refused = await lab.play(`    - pip: { name: virtualenv }\n      ignore_errors: true\n      register: r\n`, { hosts: 'node2', dump: ['r'] });
    expect(refused.registered('node2')['r']).toMatchObject({ failed: true, msg: expect.stringContaining('externally-managed-environment') });
    const tasks = `    - pip: { name: virtualenv, break_system_packages: true }
    - pip: { name: six, virtualenv: /opt/v2, virtualenv_python: python3 }
      register: v2
`;
    const run = await lab.play(tasks, { hosts: 'node2', dump: ['v2'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    expect((await listed('node2', 'python3 -m pip'))['virtualenv']).toBeDefined();
    expect((await listed('node2', '/opt/v2/bin/pip'))['six']).toBe('1.17.0');
    expect((await lab.sh('node2', 'test -f /opt/v2/pyvenv.cfg && grep -c virtualenv /opt/v2/pyvenv.cfg')).stdout.trim()).not.toBe('0');
  }, 300_000);

  it('forcereinstall reinstalls every time; latest with nothing newer changes nothing; a venv with site packages has the system ones on its path', async () => {
    const venv = `virtualenv: /opt/v3, virtualenv_command: python3 -m venv`;
    const made = await lab.play(`    - pip: { name: six, ${venv}, virtualenv_site_packages: true }\n`, { hosts: 'node2' });
    expect(made.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    const inVenv = await listed('node2', '/opt/v3/bin/pip');
    expect(inVenv['six']).toBe('1.17.0');
    expect((await lab.sh('node2', 'cat /opt/v3/pyvenv.cfg')).stdout).toContain('include-system-site-packages = true');
    const sitePackages = await lab.sh('node2', `/opt/v3/bin/python -c 'import sys; print(sys.path)'`);
    expect(sitePackages.stdout, 'the system site packages are on the venv path').toMatch(/'\/usr\/(local\/)?lib\/python3[^']*(dist|site)-packages'/);
    const before = (await lab.sh('node2', 'stat -c %Y.%i /opt/v3/lib/python3.11/site-packages/six.py')).stdout;
    const force = await lab.play(`    - pip: { name: six, state: forcereinstall, ${venv} }\n      register: r\n`, { hosts: 'node2', dump: ['r'] });
    expect(force.registered('node2')['r']).toMatchObject({ changed: true, cmd: ['/opt/v3/bin/pip3', 'install', '-U', '--force-reinstall', 'six'] });
    expect((await lab.sh('node2', 'stat -c %Y.%i /opt/v3/lib/python3.11/site-packages/six.py')).stdout).not.toBe(before);
    const latest = await lab.play(`    - pip: { name: six, state: latest, ${venv} }\n`, { hosts: 'node2' });
    expect(latest.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it("passes pip's own configuration through: a mirror named in extra_args, PIP_* in the environment", async () => {
    // PIP_CONFIG_FILE=/dev/null: pip reads no pip.conf, so the wheelhouse is reachable only through the mirror over plain HTTP (PIP_TRUSTED_HOST).
    const venv = `virtualenv: /opt/v4, virtualenv_command: python3 -m venv`;
    const mirror = await lab.play(`    - pip: { name: attrs, ${venv}, extra_args: "--no-index --find-links http://mirror.lab:8080/" }\n      environment: { PIP_CONFIG_FILE: /dev/null, PIP_TRUSTED_HOST: mirror.lab }\n`, { hosts: 'node2' });
    expect(mirror.code, mirror.stdout).toBe(0);
    expect(mirror.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect((await listed('node2', '/opt/v4/bin/pip'))['attrs']).toBe('26.1.0');
    const nowhere = await lab.play(`    - pip: { name: click, ${venv}, extra_args: "--no-index" }\n      environment: { PIP_CONFIG_FILE: /dev/null }\n      ignore_errors: true\n      register: r\n`, { hosts: 'node2', dump: ['r'] });
    expect(nowhere.registered('node2')['r']).toMatchObject({ failed: true, msg: expect.stringContaining('No matching distribution found for click') });
    expect((await listed('node2', '/opt/v4/bin/pip'))['click']).toBeUndefined();
  }, 300_000);

  it("fails with Ansible's messages, naming the host and the value", async () => {
    const run = await lab.play(
      `    - pip: { name: [six, idna], version: "1.0", ${VENV.replace('\n        ', ', ')} }\n      ignore_errors: true\n      register: ambiguous\n    - pip: { name: no-such-dist, ${VENV.replace('\n        ', ', ')} }\n      ignore_errors: true\n      register: missing\n    - pip: { name: six, state: latest, version: "1.0" }\n      ignore_errors: true\n      register: latest\n`,
      { hosts: 'node2', dump: ['ambiguous', 'missing', 'latest'] },
    );
    const r = run.registered('node2');
    expect(r['ambiguous']).toMatchObject({ failed: true, msg: "'version' argument is ambiguous when installing multiple package distributions. Please specify version restrictions next to each package in 'name' argument." });
    expect(r['missing']).toMatchObject({ failed: true, msg: expect.stringMatching(/No matching distribution found for no-such-dist/) });
    expect(r['latest']).toMatchObject({ failed: true, msg: 'version is incompatible with state=latest' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*No matching distribution found for no-such-dist/);
  }, 300_000);
});

describe('parity with ansible-playbook', () => {
  it('gives the same recaps, return values and packages on two nodes', async () => {
    const venv = `virtualenv: /opt/p, virtualenv_command: python3 -m venv`;
    const tasks = `    - pip: { name: [six==1.17.0, "idna>=3"], ${venv} }
      register: install
    - pip: { name: [six==1.17.0, "idna>=3"], ${venv} }
      register: again
    - pip: { name: attrs, ${venv} }
      check_mode: true
      register: checked
    - pip: { name: idna, state: latest, ${venv} }
      register: latest
    - pip: { name: six, state: absent, ${venv} }
      register: removed
    - pip: { name: six, state: absent, ${venv} }
      register: removed_again
    - pip: { name: vllm, version: 0.17.1, ${venv}, extra_args: "--no-deps" }
      register: versioned
    - pip: { name: no-such-dist, ${venv} }
      ignore_errors: true
      register: missing
`;
    const keys = ['install', 'again', 'checked', 'latest', 'removed', 'removed_again', 'versioned', 'missing'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const o = ours.registered('node2');
    const t = theirs.registered('node1');
    const pick = (r: Record<string, any>): unknown => ({ changed: r['changed'], failed: r['failed'], name: r['name'], version: r['version'], state: r['state'], virtualenv: r['virtualenv'], cmd: r['failed'] ? undefined : r['cmd'] });
    for (const k of keys) expect(pick(o[k]), k).toEqual(pick(t[k]));
    expect(o['missing'].msg).toMatch(/No matching distribution found for no-such-dist/);
    expect(t['missing'].msg).toMatch(/No matching distribution found for no-such-dist/);
    expect(await listed('node2', '/opt/p/bin/pip')).toEqual(await listed('node1', '/opt/p/bin/pip'));
  }, 600_000);
});
