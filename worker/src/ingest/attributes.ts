import { accountAttributesSchema } from '../../../shared/scoring'
import type { EventRow } from './normalize'

const KNOWN = accountAttributesSchema.shape

/** A value an admin attribute may hold: the PATCH schema's type for known names, else a short scalar or null (removes it). */
function acceptable(name: string, v: unknown): boolean {
  if (name in KNOWN && name !== 'name') return KNOWN[name as keyof typeof KNOWN].safeParse(v).success
  return (
    v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 1000)
  )
}

/**
 * Protected attributes set by `group` calls a backend made with a secret key: per account, the latest
 * correctly typed value of each protected trait (a wrongly typed one is ignored, as PATCH would refuse it). Pure.
 */
export function trustedAttributes(rows: EventRow[], protectedNames: readonly string[]): Map<string, Record<string, unknown>> {
  const names = new Set(protectedNames)
  const out = new Map<string, Record<string, unknown>>()
  for (const row of [...rows].sort((a, b) => a.ts - b.ts)) {
    const traits = row.properties.traits
    if (row.type !== 'group' || !row.accountId || typeof traits !== 'object' || traits === null || Array.isArray(traits)) continue
    for (const [k, v] of Object.entries(traits)) {
      if (!names.has(k) || k === '__proto__' || !acceptable(k, v)) continue
      const attrs = out.get(row.accountId) ?? {}
      attrs[k] = v
      out.set(row.accountId, attrs)
    }
  }
  return out
}
