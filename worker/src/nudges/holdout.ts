/** FNV-1a, 32 bit: a stable, well-spread hash so a unit always lands in the same group. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** Whether a unit (account or user) is in the nudge's holdout group for a given share (0-0.5). */
export function inHoldout(unitId: string, nudgeKey: string, share: number): boolean {
  return fnv1a(`${unitId}:${nudgeKey}`) % 10_000 < Math.round(share * 10_000)
}
