/**
 * The facts of one host for the run: read on first use, several in one round trip, and kept
 * until a module reports that it changed the host (then everything is read again when asked).
 */
import type { Become, Connection } from '../connection/types.js';
import type { Fact, FactRequest } from './fact.js';
import { gatherFacts } from './gather.js';

/** What modules see: facts read as the task's user, with the task's environment. */
export interface HostFacts {
  /** One fact, from the cache or read now. */
  get<T, A extends readonly string[]>(fact: Fact<T, A>, ...args: A): Promise<T>;
  /** Several facts: those not cached are read in one round trip (all of them with `refresh`). */
  gather<const R extends readonly FactRequest<unknown>[]>(requests: R, options?: { refresh?: boolean; timeoutMs?: number }): Promise<FactValues<R>>;
}

export type FactValues<R extends readonly FactRequest<unknown>[]> = { -readonly [K in keyof R]: R[K] extends FactRequest<infer T> ? T : never };

/** The caches of one run, one per host. */
export class FactCaches {
  private readonly byHost = new Map<string, FactCache>();

  of(host: string): FactCache {
    let cache = this.byHost.get(host);
    if (!cache) this.byHost.set(host, (cache = new FactCache()));
    return cache;
  }
}

/** One host's cache; the executor keeps one per host and drops it when the host changes. */
export class FactCache {
  private readonly values = new Map<string, unknown>();

  /** Forgets every fact: a module changed the host. */
  invalidate(): void {
    this.values.clear();
  }

  /**
   * The host's facts as `become`'s user with `env` (both are part of what a fact says). The
   * connection is asked for only when a fact must be read.
   */
  bind(connect: () => Promise<Connection>, become: Become | undefined, env: Record<string, string>): HostFacts {
    const scope = JSON.stringify([become?.user ?? null, env]);
    const gather = async <const R extends readonly FactRequest<unknown>[]>(requests: R, options: { refresh?: boolean; timeoutMs?: number } = {}): Promise<FactValues<R>> => {
      const missing = requests.filter((r) => options.refresh || !this.values.has(scope + r.key));
      const read = missing.length ? await gatherFacts(await connect(), missing, { become, env, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) }) : [];
      missing.forEach((r, i) => this.values.set(scope + r.key, read[i]));
      return requests.map((r) => this.values.get(scope + r.key)) as FactValues<R>;
    };
    return {
      gather,
      async get(fact, ...args) {
        const [value] = await gather([fact.with(...args)]);
        return value;
      },
    };
  }
}
