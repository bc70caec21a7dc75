/** Scope cleanup removes exactly the containers, networks and volumes of its scope. */
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerBuilder } from '../../src/docker/container.js';
import { MANAGED_LABEL, SCOPE_LABEL, removeScope, scopeFilter } from '../../src/docker/labels.js';
import { createNetwork, createVolume } from '../../src/docker/resources.js';
import { IMAGE_BUILD_TIMEOUT, baseImage, engine, testScope } from './support.js';

const mine = testScope('labels-a');
const other = testScope('labels-b');
/** A volume without our labels, as a user's own resource would be. */
const foreign = `${testScope('foreign')}-vol`;
let docker: Docker;
let image: string;

beforeAll(async () => {
  docker = await engine();
  image = await baseImage();
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await Promise.allSettled([removeScope(mine, docker), removeScope(other, docker), docker.getVolume(foreign).remove()]);
});

async function names(scope: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = JSON.stringify(scopeFilter(scope));
  return {
    containers: (await docker.listContainers({ all: true, filters })).map((c) => (c.Names[0] ?? '').replace(/^\//, '')).sort(),
    networks: (await docker.listNetworks({ filters })).map((n) => n.Name).sort(),
    volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name).sort(),
  };
}

describe('scope labels', () => {
  it('labels what it creates and removes only the resources of the given scope', async () => {
    for (const scope of [mine, other]) {
      await createNetwork(`${scope}-net`, scope, {}, docker);
      await createVolume(`${scope}-data`, scope, {}, docker);
      await new ContainerBuilder(image)
        .withScope(scope)
        .withName(`${scope}-c1`)
        .withNetwork(`${scope}-net`)
        .withMount({ type: 'volume', source: `${scope}-data`, target: '/data' })
        .withCommand(['sleep', 'infinity'])
        .start(docker);
    }
    await docker.createVolume({ Name: foreign, Labels: { [SCOPE_LABEL]: mine } }); // the scope label alone is not ours

    const inspected = await docker.getContainer(`${mine}-c1`).inspect();
    expect(inspected.Config.Labels).toMatchObject({ [MANAGED_LABEL]: 'true', [SCOPE_LABEL]: mine });
    expect(await names(mine)).toEqual({ containers: [`${mine}-c1`], networks: [`${mine}-net`], volumes: [`${mine}-data`] });

    const removed = await removeScope(mine, docker);
    expect(removed).toEqual({ containers: [`${mine}-c1`], networks: [`${mine}-net`], volumes: [`${mine}-data`] });
    expect(await names(mine)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await names(other)).toEqual({ containers: [`${other}-c1`], networks: [`${other}-net`], volumes: [`${other}-data`] });
    expect((await docker.getVolume(foreign).inspect()).Name).toBe(foreign);

    // Removing again finds nothing; the other scope goes with its own call.
    expect(await removeScope(mine, docker)).toEqual({ containers: [], networks: [], volumes: [] });
    await removeScope(other, docker);
    expect(await names(other)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('refuses to start a container without a scope', async () => {
    await expect(new ContainerBuilder(image).withName('unscoped').start(docker)).rejects.toThrow(/withScope/);
  });
});
