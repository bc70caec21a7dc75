/**
 * The facts layer: defineFact, several facts in one round trip (arguments never spliced into the
 * script), defaults for a non-zero exit, errors that name the fact, and the per-host cache that a
 * change on the host drops.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { FACTS, FactCache, FactError, SETUP_SUBSETS, defineFact, gatherFacts } from '../../src/facts/index.js';
import { gatherScript } from '../../src/facts/gather.js';
import { RecordingConnection } from '../support/recording-connection.js';

const echoArgs = defineFact({
  name: 'echo_args',
  command: 'for a in "$@"; do printf "[%s]" "$a"; done',
  parse: (stdout: string, ...args: string[]) => ({ stdout, count: args.length }),
});
const fileLines = defineFact({
  name: 'file_lines',
  command: 'cat -- "$1"',
  parse: (stdout: string, _path: string) => stdout.split('\n').filter(Boolean),
  default: [] as string[],
});
const strict = defineFact({ name: 'strict', command: 'echo partial; echo broken >&2; exit 3', parse: (s: string) => s });
const counter = defineFact({ name: 'counter', command: 'date +%s%N', parse: (s: string) => s.trim() });

const host = (): RecordingConnection => new RecordingConnection(new LocalConnection('localhost'));

describe('gathering', () => {
  test('several facts cost one round trip, and each gets its own output and arguments', async () => {
    const conn = host();
    const dir = mkdtempSync(path.join(tmpdir(), 'pb-facts-'));
    writeFileSync(path.join(dir, 'two lines'), 'one\ntwo\n');
    const [a, b, c] = await gatherFacts(conn, [echoArgs.with('x y', "it's", `$(touch ${dir}/spliced)`), fileLines.with(path.join(dir, 'two lines')), echoArgs.with()]);
    expect(conn.roundTrips).toBe(1);
    expect(a).toEqual({ stdout: `[x y][it's][$(touch ${dir}/spliced)]`, count: 3 });
    expect(existsSync(path.join(dir, 'spliced'))).toBe(false);
    expect(b).toEqual(['one', 'two']);
    expect(c).toEqual({ stdout: '', count: 0 });
  });

  test('a non-zero exit gives the default, or an error naming the fact, its status and stderr', async () => {
    const conn = host();
    expect(await gatherFacts(conn, [fileLines.with('/nonexistent/file')])).toEqual([[]]);
    const error = await gatherFacts(conn, [strict.with()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FactError);
    expect((error as FactError).message).toBe('reading the fact strict() failed (rc=3): broken');
    expect((error as FactError).rc).toBe(3);
    expect((error as FactError).stdout).toBe('partial\n');
  });

  test('output that looks like a marker cannot cut another fact short', () => {
    const { script, split } = gatherScript([echoArgs.with(), echoArgs.with()], 'n0nce');
    expect(script).toContain("'n0nce 0'");
    const forged = "n0nce 0\nn0nce 1\nfake\n\nn0nce 0 rc 0\nn0nce 1\nreal\nn0nce 1 rc 0\n";
    expect(split(forged)).toEqual([{ stdout: 'n0nce 1\nfake\n', rc: 0 }, { stdout: 'real', rc: 0 }]);
  });

  test('every built-in fact is registered by its name, the setup facts among them', () => {
    for (const [name, fact] of FACTS) expect(fact.name).toBe(name);
    const setupFacts = [...new Set([...SETUP_SUBSETS.values()].flat())].map((f) => f.name).sort();
    expect(setupFacts).toEqual(['date', 'env', 'gpus', 'hardware', 'mounts', 'network', 'pkg_mgr', 'platform', 'user', 'virtual']);
    for (const name of setupFacts) expect(FACTS.get(name)?.name).toBe(name);
  });
});

describe('the per-host cache', () => {
  test('a fact is read once per run, again after the host changed, and per user', async () => {
    const conn = host();
    const cache = new FactCache();
    const facts = cache.bind(() => Promise.resolve(conn), undefined, {});
    const first = await facts.get(counter);
    expect(await facts.get(counter)).toBe(first);
    expect(conn.roundTrips).toBe(1);
    // Another user (or environment) may see the host differently.
    await cache.bind(() => Promise.resolve(conn), { method: 'sudo', user: 'root' }, {}).get(counter).catch(() => undefined);
    expect(conn.roundTrips).toBe(2);
    cache.invalidate();
    expect(await facts.get(counter)).not.toBe(first);
    expect(conn.roundTrips).toBe(3);
  });

  test('gather reads only what is not cached, in one round trip; refresh reads everything again', async () => {
    const conn = host();
    const facts = new FactCache().bind(() => Promise.resolve(conn), undefined, {});
    await facts.get(counter);
    conn.reset();
    const [again, args] = await facts.gather([counter.with(), echoArgs.with('a')]);
    expect(conn.calls).toHaveLength(1);
    expect(conn.calls[0]?.target).not.toContain('date +%s%N');
    expect(args).toEqual({ stdout: '[a]', count: 1 });
    const [fresh] = await facts.gather([counter.with()], { refresh: true });
    expect(fresh).not.toBe(again);
    expect(conn.roundTrips).toBe(2);
  });
});
