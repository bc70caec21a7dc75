/** The fluent container starter: settings reach the container, waits end when it is ready, stop removes. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerBuilder } from '../../src/docker/container.js';
import { removeScope } from '../../src/docker/labels.js';
import { createNetwork } from '../../src/docker/resources.js';
import { Wait } from '../../src/docker/wait.js';
import { IMAGE_BUILD_TIMEOUT, baseImage, engine, testScope } from './support.js';

const scope = testScope('container');
let docker: Docker;
let image: string;

beforeAll(async () => {
  docker = await engine();
  image = await baseImage();
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await removeScope(scope, docker);
});

describe('ContainerBuilder', () => {
  it('applies env, mounts, tmpfs, shm size, capabilities, files and networks, and waits for a listener', async () => {
    const host = mkdtempSync(path.join(tmpdir(), 'pb-mount-'));
    writeFileSync(path.join(host, 'index.html'), 'served from the host\n');
    const net = await createNetwork(`${scope}-net`, scope, { internal: true }, docker);
    const web = await new ContainerBuilder(image)
      .withScope(scope)
      .withName(`${scope}-web`)
      .withHostname('web')
      .withLabels({ role: 'web' })
      .withEnv({ GREETING: 'hello world' })
      .withMount({ source: host, target: '/srv/www', readOnly: true })
      .withTmpfs('/scratch', 'size=8m')
      .withShmSize(256 * 1024 * 1024)
      .withCapabilities('NET_ADMIN')
      .withNetwork('bridge')
      .withNetwork(net.name, { aliases: ['www'] })
      .withFile('/etc/motd', 'lab node\n', { mode: 0o600 })
      .withExposedPort(8000)
      .withCommand(['python3', '-m', 'http.server', '8000', '--directory', '/srv/www'])
      .withWaitStrategy(Wait.forListeningPort(8000))
      .start(docker);

    const port = web.mappedPort(8000);
    expect(port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/index.html`);
    expect(await res.text()).toBe('served from the host\n');
    expect(() => web.mappedPort(22)).toThrow(/does not publish port 22/);
    expect(web.ipAddress(net.name)).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const r = await web.exec('echo "$GREETING"; df -k /dev/shm | tail -1 | awk "{print \\$2}"; stat -c %a /etc/motd; cat /etc/motd; findmnt -n -o FSTYPE /scratch; touch /srv/www/x 2>&1 | grep -c Read-only; iptables -L INPUT >/dev/null && echo iptables-ok');
    expect(r.stdout).toBe(`hello world\n${256 * 1024}\n600\nlab node\ntmpfs\n1\niptables-ok\n`);
    const info = await web.container.inspect();
    expect(info.Config.Labels).toMatchObject({ role: 'web', 'dev.playbook.scope': scope });
    expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual(['bridge', net.name].sort());

    await web.stop();
    await expect(web.container.inspect()).rejects.toMatchObject({ statusCode: 404 });
    rmSync(host, { recursive: true, force: true });
  });

  it('gives up at the deadline when the container never becomes ready, naming the wait', async () => {
    const started = Date.now();
    const never = new ContainerBuilder(image).withScope(scope).withName(`${scope}-silent`).withCommand(['sleep', 'infinity']).withWaitStrategy(Wait.forListeningPort(9999)).withStartupTimeout(1500).start(docker);
    await expect(never).rejects.toThrow(/still waiting for a listener on port 9999 at the startup deadline/);
    expect(Date.now() - started).toBeLessThan(15_000);
    await expect(docker.getContainer(`${scope}-silent`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
