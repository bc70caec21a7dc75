/**
 * Python's random.Random (MT19937, seeded as Python 3 seeds it), so that `random(seed=x)` and
 * `shuffle(seed=x)` give what Ansible gives for the same seed: a host's "random" minute in a cron
 * job must not move when the controller changes.
 */
import { createHash, randomBytes } from 'node:crypto';

export class PyRandom {
  private readonly mt = new Uint32Array(624);
  private index = 625;

  constructor(seed?: unknown) {
    if (seed === undefined || seed === null) {
      const bytes = randomBytes(2496);
      this.initByArray(Array.from(new Uint32Array(bytes.buffer, bytes.byteOffset, 624)));
    } else {
      this.initByArray(seedKey(seed));
    }
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = 624;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    const len = Math.max(1, key.length);
    for (let k = Math.max(624, len); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + (key[j] ?? 0) + j) >>> 0;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private genrand(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** getrandbits(k) for k <= 32, as Python computes it. */
  private getrandbits(k: number): number {
    if (k <= 0) return 0;
    if (k > 32) {
      // Python fills 32-bit words from the least significant end.
      let result = 0;
      let mult = 1;
      let left = k;
      while (left > 0) {
        const bits = Math.min(32, left);
        const word = this.genrand() >>> (32 - bits);
        result += word * mult;
        mult *= 2 ** bits;
        left -= bits;
      }
      return result;
    }
    return this.genrand() >>> (32 - k);
  }

  randbelow(n: number): number {
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  randrange(start: number, stop: number, step: number): number {
    const width = stop - start;
    if (step === 1) {
      if (width <= 0) throw new Error(`empty range in randrange(${start}, ${stop})`);
      return start + this.randbelow(width);
    }
    const n = step > 0 ? Math.floor((width + step - 1) / step) : Math.floor((width + step + 1) / step);
    if (n <= 0) throw new Error('empty range for randrange()');
    return start + step * this.randbelow(n);
  }

  choice<T>(seq: T[]): T {
    if (seq.length === 0) throw new Error('Cannot choose from an empty sequence');
    return seq[this.randbelow(seq.length)]!;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** The 32-bit words Python's seed() feeds init_by_array, for int and str seeds. */
function seedKey(seed: unknown): number[] {
  let big: bigint;
  if (typeof seed === 'number' && Number.isInteger(seed)) big = BigInt(Math.abs(seed));
  else if (typeof seed === 'boolean') big = seed ? 1n : 0n;
  else {
    const text = typeof seed === 'string' ? seed : String(seed);
    const bytes = Buffer.from(text, 'utf8');
    const all = Buffer.concat([bytes, createHash('sha512').update(bytes).digest()]);
    big = BigInt('0x' + all.toString('hex'));
  }
  const key: number[] = [];
  while (big > 0n) {
    key.push(Number(big & 0xffffffffn));
    big >>= 32n;
  }
  return key.length ? key : [0];
}
