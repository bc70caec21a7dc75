/** One connection per host for the whole run, created on first use by the transport its variables name. */
import { type ConnectionFactory, type SharedLinks, handshakeTarget, newSharedLinks } from '../connection/registry.js';
import { type Connection, UnreachableError } from '../connection/types.js';

/**
 * sshd drops unauthenticated connections beyond MaxStartups (OpenSSH's default 10:30:100 starts
 * dropping at 10), which costs a retry with backoff or, after the retries, an unreachable host. So
 * at most this many handshakes run at once to one sshd; the others wait for one to finish. Several
 * inventory hosts reach one sshd when they are aliases of one machine, or through one bastion.
 */
export const HANDSHAKES_PER_SSHD = 8;

export class ConnectionPool {
  private readonly open = new Map<string, Promise<Connection>>();
  /** Handshakes under way per sshd, and the connects waiting for a slot. */
  private readonly handshakes = new Map<string, { active: number; waiting: Array<() => void> }>();
  private readonly shared: SharedLinks = newSharedLinks();

  /** `transports`: factories by `ansible_connection` name. */
  constructor(private readonly transports: ReadonlyMap<string, ConnectionFactory>) {}

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
    const factory = this.transports.get(transport);
    if (!factory) throw new UnreachableError(host, `the connection plugin '${transport}' is not available (known: ${[...this.transports.keys()].join(', ')})`);
    const conn = factory(host, vars, this.shared);
    const sshd = handshakeTarget(conn);
    try {
      await (sshd === undefined ? conn.connect() : this.throttled(sshd, () => conn.connect()));
    } catch (e) {
      // Let go of what it holds (a shared SSH link stays open while any host uses it).
      await conn.close().catch(() => {});
      throw e;
    }
    return conn;
  }

  private async throttled(sshd: string, connect: () => Promise<void>): Promise<void> {
    let slots = this.handshakes.get(sshd);
    if (!slots) this.handshakes.set(sshd, (slots = { active: 0, waiting: [] }));
    if (slots.active < HANDSHAKES_PER_SSHD) slots.active++;
    else await new Promise<void>((resolve) => slots.waiting.push(resolve)); // the slot is handed over
    try {
      await connect();
    } finally {
      const next = slots.waiting.shift();
      if (next) next();
      else if (--slots.active === 0) this.handshakes.delete(sshd);
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled(all.map(async (c) => (await c).close()));
  }
}
