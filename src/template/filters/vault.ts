/**
 * ansible.builtin's vault and unvault filters: Ansible Vault's AES256 format (1.1, and 1.2 with a
 * vault id), with the secret the template passes. PBKDF2-SHA256 (10000 rounds) gives the AES-CTR
 * key, the HMAC-SHA256 key and the counter; the payload is hex of "hex(salt)\nhex(hmac)\nhex(data)".
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { PluginError } from '../errors.js';
import { bind } from '../plugins.js';
import type { FilterDef } from '../plugins.js';
import { VaultedValue, pyStr, typeName } from '../../python/values.js';

const HEADER = '$ANSIBLE_VAULT';

/** Python's `<class 'x'>` for a value's type, as Ansible's messages print it. */
function pyClass(v: unknown): string {
  return `<class '${typeName(v)}'>`;
}

function deriveKeys(secret: Buffer, salt: Buffer): { key1: Buffer; key2: Buffer; iv: Buffer } {
  const derived = pbkdf2Sync(secret, salt, 10000, 80, 'sha256');
  return { key1: derived.subarray(0, 32), key2: derived.subarray(32, 64), iv: derived.subarray(64, 80) };
}

/** VaultLib.encrypt with VaultAES256: the envelope, 80 columns, ending in a newline. */
export function vaultEncrypt(plaintext: Buffer, secret: Buffer, salt: Buffer | undefined, vaultId: string): string {
  const b_salt = salt ?? randomBytes(32);
  const { key1, key2, iv } = deriveKeys(secret, b_salt);
  const padLength = 16 - (plaintext.length % 16);
  const padded = Buffer.concat([plaintext, Buffer.alloc(padLength, padLength)]);
  const cipher = createCipheriv('aes-256-ctr', key1, iv);
  const ciphertext = Buffer.concat([cipher.update(padded), cipher.final()]);
  const hmac = createHmac('sha256', key2).update(ciphertext).digest();
  const inner = [b_salt.toString('hex'), hmac.toString('hex'), ciphertext.toString('hex')].join('\n');
  const hex = Buffer.from(inner, 'latin1').toString('hex');
  const header = vaultId && vaultId !== 'default' ? `${HEADER};1.2;AES256;${vaultId}` : `${HEADER};1.1;AES256`;
  const lines = [header];
  for (let i = 0; i < hex.length; i += 80) lines.push(hex.slice(i, i + 80));
  return lines.join('\n') + '\n';
}

function unhexlify(text: string): Buffer {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new PluginError('runtime', 'Vault format unhexlify error.');
  return Buffer.from(text, 'hex');
}

/** VaultLib.decrypt with one secret (every vault id is tried with it, as DEFAULT_VAULT_ID_MATCH=False does). */
export function vaultDecrypt(envelope: string, secret: Buffer): Buffer {
  const lines = envelope.trim().split(/\r?\n/);
  const header = (lines[0] ?? '').trim().split(';');
  if (header[0] !== HEADER || header[2]?.trim() !== 'AES256') throw new PluginError('runtime', 'Unable to decrypt.');
  const payload = unhexlify(lines.slice(1).map((l) => l.trim()).join('')).toString('latin1');
  const [saltHex = '', hmacHex = '', dataHex = ''] = splitN(payload, '\n', 3);
  const salt = unhexlify(saltHex);
  const data = unhexlify(dataHex);
  const { key1, key2, iv } = deriveKeys(secret, salt);
  const expected = createHmac('sha256', key2).update(data).digest();
  const given = unhexlify(hmacHex);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new PluginError('runtime', 'Unable to decrypt.');
  const decipher = createDecipheriv('aes-256-ctr', key1, iv);
  const padded = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 16 || pad > padded.length) throw new PluginError('runtime', 'Unable to decrypt.');
  return padded.subarray(0, padded.length - pad);
}

/** Python's str.split(sep, n - 1). */
function splitN(text: string, sep: string, n: number): string[] {
  const parts = text.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** to_bytes(x): a str as UTF-8, anything else as its str(). */
function toBytes(v: unknown): Buffer {
  return Buffer.from(pyStr(v), 'utf8');
}

function isSecretText(v: unknown): boolean {
  return typeof v === 'string';
}

export const VAULT_FILTERS: Record<string, FilterDef> = {
  vault: {
    fn: (_c, data, a, k) => {
      const o = bind('vault', a, k, ['secret', 'salt', 'vault_id', 'wrap_object', 'vaultid'], { salt: null, vault_id: 'filter_default', wrap_object: false, vaultid: null });
      if (!isSecretText(o['secret'])) throw new PluginError('type', `Secret passed is required to be a string, instead we got ${pyClass(o['secret'])}.`);
      if (typeof data !== 'string') throw new PluginError('type', `Can only vault strings, instead we got ${pyClass(data)}.`);
      let vaultId = pyStr(o['vault_id']);
      if (o['vaultid'] !== null && vaultId === 'filter_default') vaultId = pyStr(o['vaultid']);
      const salt = o['salt'];
      if (salt !== null && (salt === '' || salt === 0 || salt === false)) throw new PluginError('runtime', 'Unable to encrypt.');
      const text = vaultEncrypt(toBytes(data), toBytes(o['secret']), salt === null ? undefined : toBytes(salt), vaultId);
      return o['wrap_object'] === true ? new VaultedValue(text, true) : text;
    },
  },
  unvault: {
    fn: (_c, vault, a, k) => {
      const o = bind('unvault', a, k, ['secret', 'vault_id', 'vaultid'], { vault_id: 'filter_default', vaultid: null });
      if (!isSecretText(o['secret'])) throw new PluginError('type', `Secret passed is required to be as string, instead we got ${pyClass(o['secret'])}.`);
      const text = vault instanceof VaultedValue ? vault.ciphertext : vault;
      if (typeof text !== 'string') throw new PluginError('type', `Vault should be in the form of a string, instead we got ${pyClass(vault)}.`);
      if (!text.startsWith(HEADER)) return text;
      return vaultDecrypt(text, toBytes(o['secret'])).toString('utf8');
    },
  },
};
