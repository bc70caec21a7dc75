/** crypt(3) password hashes as passlib writes them: sha512_crypt ($6$), sha256_crypt ($5$), md5_crypt ($1$). */
import { createHash, randomBytes } from 'node:crypto';
import { PluginError } from '../errors.js';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function b64From24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ITOA64[w & 0x3f];
    w >>= 6;
  }
  return out;
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = block[i % block.length]!;
  return out;
}

const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
] as const;
const SHA256_ORDER = [
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
] as const;

function shaCrypt(password: string, salt: string, rounds: number, alg: 'sha512' | 'sha256', explicitRounds: boolean): string {
  const P = Buffer.from(password, 'utf8');
  const S = Buffer.from(salt.slice(0, 16), 'utf8');
  const H = (...parts: Buffer[]): Buffer => {
    const h = createHash(alg);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const B = H(P, S, P);
  const a = createHash(alg).update(P).update(S);
  const len = B.length;
  for (let i = P.length; i > 0; i -= len) a.update(i > len ? B : B.subarray(0, i));
  for (let i = P.length; i > 0; i >>= 1) a.update(i & 1 ? B : P);
  const A = a.digest();
  const dp = createHash(alg);
  for (let i = 0; i < P.length; i++) dp.update(P);
  const Pseq = repeatTo(dp.digest(), P.length);
  const ds = createHash(alg);
  for (let i = 0; i < 16 + A[0]!; i++) ds.update(S);
  const Sseq = repeatTo(ds.digest(), S.length);
  let C = A;
  for (let i = 0; i < rounds; i++) {
    const h = createHash(alg);
    h.update(i & 1 ? Pseq : C);
    if (i % 3) h.update(Sseq);
    if (i % 7) h.update(Pseq);
    h.update(i & 1 ? C : Pseq);
    C = h.digest();
  }
  let out = '';
  if (alg === 'sha512') {
    for (const [x, y, z] of SHA512_ORDER) out += b64From24(C[x]!, C[y]!, C[z]!, 4);
    out += b64From24(0, 0, C[63]!, 2);
  } else {
    for (const [x, y, z] of SHA256_ORDER) out += b64From24(C[x]!, C[y]!, C[z]!, 4);
    out += b64From24(0, C[31]!, C[30]!, 3);
  }
  const id = alg === 'sha512' ? '6' : '5';
  return `$${id}$${explicitRounds ? `rounds=${rounds}$` : ''}${S.toString('utf8')}$${out}`;
}

function md5Crypt(password: string, salt: string): string {
  const P = Buffer.from(password, 'utf8');
  const S = Buffer.from(salt.slice(0, 8), 'utf8');
  const magic = Buffer.from('$1$');
  const alt = createHash('md5').update(P).update(S).update(P).digest();
  const ctx = createHash('md5').update(P).update(magic).update(S);
  for (let i = P.length; i > 0; i -= 16) ctx.update(alt.subarray(0, Math.min(16, i)));
  for (let i = P.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : P.subarray(0, 1));
  let final = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const h = createHash('md5');
    h.update(i & 1 ? P : final);
    if (i % 3) h.update(S);
    if (i % 7) h.update(P);
    h.update(i & 1 ? final : P);
    final = h.digest();
  }
  const f = final;
  const out =
    b64From24(f[0]!, f[6]!, f[12]!, 4) + b64From24(f[1]!, f[7]!, f[13]!, 4) + b64From24(f[2]!, f[8]!, f[14]!, 4) +
    b64From24(f[3]!, f[9]!, f[15]!, 4) + b64From24(f[4]!, f[10]!, f[5]!, 4) + b64From24(0, 0, f[11]!, 2);
  return `$1$${S.toString('utf8')}$${out}`;
}

function randomSalt(size: number): string {
  const bytes = randomBytes(size);
  return Array.from(bytes, (b) => ITOA64[b % 64]).join('');
}

/** The password_hash filter. Default rounds are Ansible's (which pins passlib's to these). */
export function passwordHash(password: string, hashtype: string, salt?: string, rounds?: number, saltSize?: number): string {
  const type = { sha512: 'sha512_crypt', sha256: 'sha256_crypt', md5: 'md5_crypt' }[hashtype] ?? hashtype;
  if (salt !== undefined && !/^[./0-9A-Za-z]*$/.test(salt)) throw new PluginError('runtime', 'Could not hash the secret: invalid characters in salt');
  switch (type) {
    case 'sha512_crypt': {
      const r = rounds ?? 656000;
      return shaCrypt(password, salt ?? randomSalt(saltSize ?? 16), r, 'sha512', r !== 5000);
    }
    case 'sha256_crypt': {
      const r = rounds ?? 535000;
      return shaCrypt(password, salt ?? randomSalt(saltSize ?? 16), r, 'sha256', r !== 5000);
    }
    case 'md5_crypt':
      return md5Crypt(password, salt ?? randomSalt(saltSize ?? 8));
    default:
      throw new PluginError('runtime', `${hashtype} is not in the list of supported passlib algorithms: md5, blowfish, sha256, sha512`);
  }
}
