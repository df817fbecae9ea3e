/**
 * A Bloom filter small enough for an R2 object's custom metadata (8,192 bytes per object,
 * developers.cloudflare.com/r2/platform/limits/): "who may be in this object" without reading it. No false
 * negatives; false positives at about 0.05 % per probe when the items fit (16 bits each), more when they do not. Pure.
 *
 * Encoding: `b1.<k>.<base64 bits>`; bit i of the filter is bit (i & 7) of byte (i >> 3). Positions by double hashing
 * (Kirsch–Mitzenmacher): h1 + j·h2 mod m for j < k, h1 and h2 two FNV-1a 32-bit hashes (different offset bases) of
 * the item's UTF-16 code units.
 */

// 16 bits per item: ≈ 0.05 % false positives per probe, so an erasure probing dozens of ids still skips almost every object
const BITS_PER_ITEM = 16
/** Small filters round badly (k probes into a few bytes): never fewer bits than this. */
const MIN_BITS = 256
/** Under this many bits per item a filter passes nearly everything: not worth its bytes. */
const MIN_BITS_PER_ITEM = 3

function fnv1a(text: string, basis: number): number {
  let h = basis >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

function positions(item: string, k: number, m: number): number[] {
  const h1 = fnv1a(item, 0x811c9dc5)
  // odd, so the k probes never repeat one position when m is a power of two; any m works
  const h2 = (fnv1a(item, 0x01000193) | 1) >>> 0
  const out: number[] = []
  for (let j = 0; j < k; j++) out.push(((h1 + Math.imul(j, h2)) >>> 0) % m)
  return out
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/**
 * The filter of `items` (duplicates count once) in at most `maxChars` characters of encoding; null when there is
 * nothing to hold or too many items for the room (a reader then treats the object as "may hold anyone").
 */
export function bloomOf(items: Iterable<string>, maxChars = 4096): string | null {
  const distinct = [...new Set(items)]
  if (!distinct.length) return null
  // base64: 4 characters per 3 bytes; leave room for the `b1.<k>.` head
  const maxBits = Math.floor((maxChars - 8) / 4) * 3 * 8
  const m = Math.min(maxBits, Math.max(MIN_BITS, Math.ceil((distinct.length * BITS_PER_ITEM) / 8) * 8))
  if (m < distinct.length * MIN_BITS_PER_ITEM) return null
  // the k that minimises false positives for m bits and n items: (m/n)·ln 2
  const k = Math.min(12, Math.max(1, Math.round((m / distinct.length) * Math.LN2)))
  const bits = new Uint8Array(m / 8)
  for (const item of distinct) for (const p of positions(item, k, m)) bits[p >> 3] |= 1 << (p & 7)
  return `b1.${k}.${toBase64(bits)}`
}

/** A decoded filter: test membership of many items against one decode. */
export interface Bloom {
  mayHold(item: string): boolean
}

/** Decodes a filter; null when the text is not one (unknown version or torn): the caller assumes "may hold". */
export function readBloom(encoded: string | undefined | null): Bloom | null {
  if (!encoded) return null
  const match = /^b1\.(\d{1,2})\.([A-Za-z0-9+/]+=*)$/.exec(encoded)
  if (!match) return null
  const k = Number(match[1])
  let bits: Uint8Array
  try {
    bits = fromBase64(match[2])
  } catch {
    return null
  }
  const m = bits.length * 8
  if (k < 1 || m === 0) return null
  return { mayHold: (item) => positions(item, k, m).every((p) => (bits[p >> 3] & (1 << (p & 7))) !== 0) }
}
