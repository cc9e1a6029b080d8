/**
 * MurmurHash3 x64 128-bit with seed 0, as Guava's `Hashing.murmur3_128(0)` computes it: the
 * hash Flink's `StreamGraphHasherV2` uses for operator ids. Returns the 16 bytes of
 * `HashCode.asBytes()` (h1 then h2, each little-endian).
 */
const MASK = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const mul = (a: bigint, b: bigint): bigint => (a * b) & MASK;

function fmix(k: bigint): bigint {
  let x = k;
  x ^= x >> 33n;
  x = mul(x, 0xff51afd7ed558ccdn);
  x ^= x >> 33n;
  x = mul(x, 0xc4ceb9fe1a85ec53n);
  x ^= x >> 33n;
  return x;
}

function readLong(bytes: Uint8Array, offset: number, length = 8): bigint {
  let value = 0n;
  for (let i = Math.min(length, bytes.length - offset) - 1; i >= 0; i--) {
    value = (value << 8n) | BigInt(bytes[offset + i] ?? 0);
  }
  return value;
}

const mixK1 = (k: bigint): bigint => mul(rotl(mul(k, C1), 31n), C2);
const mixK2 = (k: bigint): bigint => mul(rotl(mul(k, C2), 33n), C1);

export function murmur3x64128(bytes: Uint8Array): Uint8Array {
  let h1 = 0n;
  let h2 = 0n;
  const blocks = Math.floor(bytes.length / 16);
  for (let i = 0; i < blocks; i++) {
    h1 ^= mixK1(readLong(bytes, i * 16));
    h1 = (mul(rotl(h1, 27n) + h2, 5n) + 0x52dce729n) & MASK;
    h2 ^= mixK2(readLong(bytes, i * 16 + 8));
    h2 = (mul(rotl(h2, 31n) + h1, 5n) + 0x38495ab5n) & MASK;
  }
  const tail = blocks * 16;
  const rest = bytes.length - tail;
  if (rest > 8) h2 ^= mixK2(readLong(bytes, tail + 8, rest - 8));
  if (rest > 0) h1 ^= mixK1(readLong(bytes, tail, Math.min(rest, 8)));
  const length = BigInt(bytes.length);
  h1 ^= length;
  h2 ^= length;
  h1 = (h1 + h2) & MASK;
  h2 = (h2 + h1) & MASK;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) & MASK;
  h2 = (h2 + h1) & MASK;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i] = Number((h1 >> BigInt(8 * i)) & 0xffn);
    out[8 + i] = Number((h2 >> BigInt(8 * i)) & 0xffn);
  }
  return out;
}

/** `Hasher.putInt` of each value (4 bytes little-endian), then the hash. */
export function murmur3OfInts(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setInt32(i * 4, v, true);
  });
  return murmur3x64128(bytes);
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
