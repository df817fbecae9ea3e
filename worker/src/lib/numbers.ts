/** A number, or a numeric string, that is finite; anything else (NaN, Infinity, '', an object) is null. */
export function finiteNumber(v: unknown): number | null {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
  return typeof n === 'number' && Number.isFinite(n) ? n : null
}
