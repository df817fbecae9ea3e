/** The builder's preview of a click rule, pure: the server's own matcher over stored clicks. */
import type { Feature } from '../../../shared/features'

export interface StoredClickRow {
  selector: unknown
  path: unknown
}

/**
 * How many stored clicks a click rule would count: the same `featureForClick` re-tagging uses (passed in, so this
 * stays pure), with the candidate as the only feature, so the number is the rule's own reach.
 */
export function countMatches(
  clicks: StoredClickRow[],
  rule: { selector: string; path?: string },
  featureForClick: (features: Feature[], click: StoredClickRow) => Feature | undefined,
): number {
  const candidate: Feature = { key: 'preview', name: 'preview', kind: 'feature', core: false, rules: [{ match: 'click', ...rule }] }
  let n = 0
  for (const click of clicks) if (featureForClick([candidate], click)) n++
  return n
}
