/**
 * Opening an authenticated SSH session, optionally through bastions (ProxyJump): each hop is a
 * TCP stream forwarded by the previous hop, with its own host key check and authentication.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2, { Client, type AuthenticationType } from 'ssh2';
import { checkKnownHosts, fingerprint, hostEntryName, keyType, readKnownHosts } from './known-hosts.js';
import { askPassphrase } from './passphrase.js';
import type { SshEndpoint, SshOptions } from './ssh-options.js';

export interface PrivateKey {
  file: string;
  key: Buffer;
  passphrase?: string;
}

/** The usable keys among `files`; missing default keys are silently absent, other problems are kept for the error message. */
export async function loadPrivateKeys(files: readonly string[], passphrase: string | undefined, problems: string[]): Promise<PrivateKey[]> {
  const keys: PrivateKey[] = [];
  for (const file of files) {
    let key: Buffer;
    try {
      key = await readFile(file);
    } catch {
      continue;
    }
    let parsed = ssh2.utils.parseKey(key, passphrase);
    if (parsed instanceof Error && /no passphrase given/.test(parsed.message)) {
      const asked = await askPassphrase(file);
      if (asked === undefined) {
        problems.push(`private key ${file} is encrypted and no passphrase was given (set PLAYBOOK_SSH_KEY_PASSPHRASE or add the key to ssh-agent)`);
        continue;
      }
      parsed = ssh2.utils.parseKey(key, asked);
      if (!(parsed instanceof Error)) keys.push({ file, key, passphrase: asked });
    } else if (!(parsed instanceof Error)) keys.push(passphrase === undefined ? { file, key } : { file, key, passphrase });
    if (parsed instanceof Error) problems.push(`private key ${file} cannot be used: ${/passphrase/.test(parsed.message) ? 'wrong passphrase' : parsed.message}`);
  }
  return keys;
}

/** accept-new: appends the key, synchronously, so concurrent new hosts never interleave lines. */
function recordHostKey(file: string, name: string, key: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${name} ${keyType(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}

interface HopResult {
  client: Client;
  /** Why the host key was refused, when it was. */
  hostKeyProblem?: string;
}

/** One hop: handshake over `sock` (or TCP), host key check, authentication. */
function connectHop(hop: SshEndpoint, sock: Duplex | undefined, options: SshOptions, known: string[], keys: PrivateKey[], isTarget: boolean): Promise<Client> {
  const methods: Array<AuthenticationType | Record<string, unknown>> = [];
  for (const k of keys) methods.push({ type: 'publickey', username: hop.user, key: k.key, ...(k.passphrase !== undefined ? { passphrase: k.passphrase } : {}) });
  if (options.agent) methods.push({ type: 'agent', username: hop.user, agent: options.agent });
  const { password } = options;
  if (isTarget && password !== undefined) {
    methods.push({ type: 'password', username: hop.user, password });
    methods.push({ type: 'keyboard-interactive', username: hop.user, prompt: (_n: string, _i: string, _l: string, prompts: unknown[], finish: (answers: string[]) => void) => finish(prompts.map(() => password)) });
  }
  const state: HopResult = { client: new Client() };
  return new Promise((resolve, reject) => {
    const { client } = state;
    client.once('ready', () => {
      // Nagle's algorithm would hold each small request back for the peer's delayed ACK (about
      // 40 ms) whenever the previous one is unacknowledged: consecutive commands on one link.
      client.setNoDelay(true);
      client.removeAllListeners('error');
      // After the handshake an error means the link dropped; commands in flight report it.
      client.on('error', () => {});
      resolve(client);
    });
    // ssh2 may report more than one error for a failed handshake (the timeout, then the lost
    // socket); all but the first are ignored, none may go unheard.
    client.on('error', (e) => {
      client.end();
      reject(state.hostKeyProblem ? new Error(state.hostKeyProblem) : e);
    });
    client.connect({
      ...(sock ? { sock } : { host: hop.address, port: hop.port }),
      username: hop.user,
      readyTimeout: options.connectTimeoutMs,
      keepaliveInterval: options.keepaliveMs,
      keepaliveCountMax: 3,
      authHandler: methods as never,
      hostVerifier: (key: Buffer): boolean => {
        const problem = verifyHostKey(hop, options, known, key);
        if (problem) state.hostKeyProblem = problem;
        return !problem;
      },
    });
  });
}

/** undefined when the key is acceptable; else why not. */
function verifyHostKey(hop: SshEndpoint, options: SshOptions, known: string[], key: Buffer): string | undefined {
  if (options.hostKeyPolicy === 'off') return undefined;
  const verdict = checkKnownHosts(known, hop.address, hop.port, key);
  const what = `${keyType(key)} key fingerprint is ${fingerprint(key)}`;
  const name = hostEntryName(hop.address, hop.port);
  if (verdict === 'match') return undefined;
  if (verdict === 'unknown' && options.hostKeyPolicy === 'accept-new') {
    const file = options.knownHostsFiles[0];
    if (file) recordHostKey(file, name, key);
    known.push(`${name} ${keyType(key)} ${key.toString('base64')}`);
    return undefined;
  }
  if (verdict === 'unknown') return `host key verification failed: ${name} is not in known_hosts (${what}); add it with ssh-keyscan, or use StrictHostKeyChecking=accept-new or ansible_host_key_checking=false`;
  if (verdict === 'changed') return `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! The ${what}, which differs from the key recorded for ${name} in known_hosts; someone could be intercepting the connection. Refusing to connect`;
  return `host key for ${name} is marked as revoked in known_hosts (${what})`;
}

function forward(client: Client, address: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => client.forwardOut('127.0.0.1', 0, address, port, (err, stream) => (err ? reject(err) : resolve(stream))));
}

export interface SshSession {
  client: Client;
  /** The bastions' sessions, first hop first; closed with the target. */
  jumps: Client[];
}

export class DialError extends Error {
  override name = 'DialError';
  constructor(
    message: string,
    /** A refused/timed-out connect may succeed on another attempt; a refused key never will. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const RETRYABLE = /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ECONNRESET|Timed out while waiting for handshake|Connection lost before handshake/;

const who = (hop: SshEndpoint): string => `${hop.user}@${hop.address}:${hop.port}`;

/** Dials the target through its bastions. Failures name the hop that failed. */
export async function dial(options: SshOptions): Promise<SshSession> {
  const known = options.hostKeyPolicy === 'off' ? [] : await readKnownHosts(options.knownHostsFiles);
  const hops: SshEndpoint[] = [...options.jumps, options];
  const opened: Client[] = [];
  let sock: Duplex | undefined;
  try {
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i] as SshEndpoint;
      const isTarget = i === hops.length - 1;
      const problems: string[] = [];
      const keys = await loadPrivateKeys(hop.keyFiles, options.keyPassphrase, problems);
      let client: Client;
      try {
        client = await connectHop(hop, sock, options, known, keys, isTarget);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        const detail = problems.length && /authentication/i.test(msg) ? `${msg}; ${problems.join('; ')}` : msg;
        const via = isTarget ? '' : `bastion ${who(hop)}: `;
        throw new DialError(`${via}${detail}`, RETRYABLE.test(msg) && !/host key|IDENTIFICATION/.test(msg));
      }
      opened.push(client);
      const next = hops[i + 1];
      if (next) {
        try {
          sock = await forward(client, next.address, next.port);
        } catch (e) {
          throw new DialError(`bastion ${who(hop)} could not open a connection to ${next.address}:${next.port}: ${e instanceof Error ? e.message : String(e)}`, false);
        }
      }
    }
  } catch (e) {
    for (const c of opened.reverse()) c.end();
    throw e;
  }
  const client = opened.pop() as Client;
  return { client, jumps: opened };
}
