/**
 * The Docker engine client. The address is DOCKER_HOST (unix://, tcp://, http(s)://) or the default
 * socket, as the docker CLI uses. This module never starts an engine itself: starting a root daemon
 * as a side effect of a library call would surprise, so an engine that does not answer is an error
 * that says how to start one (scripts/ensure-docker.sh installs and starts it; CI runs it).
 */
import type Docker from 'dockerode';

export class DockerEngineError extends Error {
  override name = 'DockerEngineError';
}

/** The address in DOCKER_HOST form, for messages. */
export function engineAddress(host: string | undefined = process.env['DOCKER_HOST']): string {
  return host && host !== '' ? host : 'unix:///var/run/docker.sock';
}

let dockerode: Promise<typeof Docker> | undefined;

/**
 * A client for `host` (DOCKER_HOST syntax) or, without one, for DOCKER_HOST / the default socket.
 * dockerode is loaded on first use: it takes a few hundred ms, which runs without Docker hosts skip.
 */
export async function dockerClient(host?: string): Promise<Docker> {
  dockerode ??= import('dockerode').then((m) => m.default);
  const Client = await dockerode;
  if (host === undefined || host === '') return new Client();
  if (host.startsWith('unix://')) return new Client({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:\/\//, 'http://'));
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return new Client({ protocol, host: url.hostname, port: Number(url.port || (protocol === 'https' ? 2376 : 2375)) });
}

const HINT = 'start it with `sudo bash scripts/ensure-docker.sh` (installs docker.io and mmdebstrap when missing, starts dockerd and waits for it), or point DOCKER_HOST at a running engine';

const clients = new Map<string, Promise<Docker>>();

/** Checks that the engine answers (ping), with a deadline; the error names the address and the fix. */
export async function pingEngine(docker: Docker, host?: string, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([docker.ping(), deadline]);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new DockerEngineError(`the Docker engine at ${engineAddress(host)} does not answer (${why.trim()}); ${HINT}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A client whose engine has answered a ping; one per address for the process. A failed ping is
 * not cached, so a later call sees an engine started in the meantime.
 */
export function connectEngine(host?: string): Promise<Docker> {
  const key = engineAddress(host);
  let client = clients.get(key);
  if (!client) {
    client = (async () => {
      const docker = await dockerClient(host);
      await pingEngine(docker, host);
      return docker;
    })();
    clients.set(key, client);
    client.catch(() => clients.delete(key));
  }
  return client;
}

/** The engine's HTTP status of a failed call (404 missing, 409 conflict), when it has one. */
export function statusOf(e: unknown): number | undefined {
  const code = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own message for a failed call, without dockerode's "(HTTP code ...)" wrapping. */
export function engineMessage(e: unknown): string {
  const json = (e as { json?: unknown } | null)?.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') return (json as { message: string }).message;
  return e instanceof Error ? e.message : String(e);
}
