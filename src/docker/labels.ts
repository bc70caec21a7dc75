/**
 * Ownership labels. Every container, network and volume the project creates carries
 * `dev.playbook.managed=true` and `dev.playbook.scope=<scope>`; cleanup removes exactly the
 * resources of one scope (a lab, a test file, a benchmark run) and never anything else.
 */
import type Docker from 'dockerode';
import { connectEngine, engineMessage, statusOf } from './engine.js';

export const MANAGED_LABEL = 'dev.playbook.managed';
export const SCOPE_LABEL = 'dev.playbook.scope';

const SCOPE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** A scope is also used in container names, so it follows Docker's name rules. */
export function checkScope(scope: string): string {
  if (!SCOPE_NAME.test(scope)) throw new Error(`invalid scope '${scope}': use letters, digits, '_', '.', '-' (starting with a letter or digit, at most 63)`);
  return scope;
}

/** The labels a resource of `scope` carries, plus `extra`. */
export function scopeLabels(scope: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [MANAGED_LABEL]: 'true', [SCOPE_LABEL]: checkScope(scope) };
}

/** The engine-side filter matching the resources of one scope. */
export function scopeFilter(scope: string): { label: string[] } {
  return { label: [`${MANAGED_LABEL}=true`, `${SCOPE_LABEL}=${checkScope(scope)}`] };
}

export interface RemovedResources {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** Gone already (404) or being removed by someone else (409 "in progress") counts as removed. */
async function removing(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const status = statusOf(e);
    if (status === 404 || (status === 409 && /in progress/i.test(engineMessage(e)))) return;
    throw new Error(`removing ${what} failed: ${engineMessage(e)}`, { cause: e });
  }
}

/**
 * Removes the containers (forced, with their anonymous volumes), then the networks and volumes
 * labelled with `scope`, and returns their names. Resources of other scopes, and resources
 * without our labels, are never touched.
 */
export async function removeScope(scope: string, docker?: Docker): Promise<RemovedResources> {
  const engine = docker ?? (await connectEngine());
  const filters = JSON.stringify(scopeFilter(scope));
  const containers = await engine.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => removing(`container ${c.Names[0] ?? c.Id}`, () => engine.getContainer(c.Id).remove({ force: true, v: true }))));
  const networks = await engine.listNetworks({ filters });
  await Promise.all(networks.map((n) => removing(`network ${n.Name}`, () => engine.getNetwork(n.Id).remove())));
  const volumes = (await engine.listVolumes({ filters })).Volumes ?? [];
  await Promise.all(volumes.map((v) => removing(`volume ${v.Name}`, () => engine.getVolume(v.Name).remove())));
  return {
    containers: containers.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')),
    networks: networks.map((n) => n.Name),
    volumes: volumes.map((v) => v.Name),
  };
}
