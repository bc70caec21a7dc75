/**
 * Transports by their `ansible_connection` name: what a transport's factory is given, and the
 * built-in ones. runPlaybook's `connections` option adds a user's transports to these.
 */
import { DockerConnection, dockerOptionsFromVars } from './docker.js';
import { LocalConnection } from './local.js';
import { SshConnection, SshLinks } from './ssh.js';
import { sshOptionsFromVars } from './ssh-options.js';
import type { Connection } from './types.js';

/** What the connections of one run share: SSH links, so that aliases of one machine use one. */
export interface SharedLinks {
  ssh: SshLinks;
}

/**
 * Makes the connection to `host` (not yet connected: the engine calls connect()). `vars` reads the
 * host's connection variables (ansible_host, ansible_user, ..., and any other host variable).
 */
export type ConnectionFactory = (host: string, vars: (name: string) => unknown, shared: SharedLinks) => Connection;

/** The sshd an SSH connection's handshake reaches first (the first bastion, else the host). */
const firstHop = new WeakMap<Connection, string>();

/** `address:port` of the sshd the connection's handshake reaches first; undefined for other transports. */
export function handshakeTarget(conn: Connection): string | undefined {
  return firstHop.get(conn);
}

const ssh: ConnectionFactory = (host, vars, shared) => {
  const options = sshOptionsFromVars(host, vars);
  const conn = new SshConnection(host, options, shared.ssh);
  const hop = options.jumps[0] ?? options;
  firstHop.set(conn, `${hop.address}:${hop.port}`);
  return conn;
};

/** The built-in transports; paramiko and smart mean ssh here. */
export const BUILTIN_CONNECTIONS: ReadonlyMap<string, ConnectionFactory> = new Map<string, ConnectionFactory>([
  ['local', (host) => new LocalConnection(host)],
  ['ssh', ssh],
  ['paramiko', ssh],
  ['smart', ssh],
  ['docker', (host, vars) => new DockerConnection(host, dockerOptionsFromVars(host, vars))],
]);

/** What every run needs: one set of shared links per run. */
export function newSharedLinks(): SharedLinks {
  return { ssh: new SshLinks() };
}
