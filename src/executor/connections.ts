/** One connection per host for the whole run, created on first use, by transport name. */
import { DockerConnection, dockerOptionsFromVars } from '../connection/docker.js';
import { LocalConnection } from '../connection/local.js';
import { SshConnection } from '../connection/ssh.js';
import { sshOptionsFromVars } from '../connection/ssh-options.js';
import { type Connection, UnreachableError } from '../connection/types.js';

export type ConnectionFactory = (host: string, vars: (name: string) => unknown) => Connection;

const ssh: ConnectionFactory = (host, vars) => new SshConnection(host, sshOptionsFromVars(host, vars));

/** The registry of transports (`ansible_connection`); paramiko and smart mean ssh here. */
export const CONNECTION_FACTORIES = new Map<string, ConnectionFactory>([
  ['local', (host) => new LocalConnection(host)],
  ['ssh', ssh],
  ['paramiko', ssh],
  ['smart', ssh],
  ['docker', (host, vars) => new DockerConnection(host, dockerOptionsFromVars(host, vars))],
]);

export class ConnectionPool {
  private readonly open = new Map<string, Promise<Connection>>();

  constructor(private readonly factories: Map<string, ConnectionFactory> = CONNECTION_FACTORIES) {}

  /** The host's connection; `vars` reads the host's ansible_* connection variables. */
  get(host: string, vars: (name: string) => unknown): Promise<Connection> {
    let conn = this.open.get(host);
    if (!conn) {
      conn = this.create(host, vars);
      this.open.set(host, conn);
      // A failed connect is not cached: the next task may try again (as Ansible does).
      conn.catch(() => this.open.delete(host));
    }
    return conn;
  }

  private async create(host: string, vars: (name: string) => unknown): Promise<Connection> {
    const declared = vars('ansible_connection');
    const transport = typeof declared === 'string' && declared !== 'smart' ? declared : host === 'localhost' || host === '127.0.0.1' ? 'local' : 'ssh';
    const factory = this.factories.get(transport);
    if (!factory) throw new UnreachableError(host, `the connection plugin '${transport}' is not available (known: ${[...this.factories.keys()].join(', ')})`);
    const conn = factory(host, vars);
    await conn.connect();
    return conn;
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled(all.map(async (c) => (await c).close()));
  }
}
