import { isTourSteps, nudgeDefinitionSchema, type NudgeDefinition } from '../../../shared/nudges'
import { camelKeys, snakeKeys, type CamelKeys } from '../lib/casing'

/** A nudge inside the worker: its definition (snake_case on the wire and in storage) with camelCase keys. */
export type Nudge = CamelKeys<NudgeDefinition> & { key: string }

export const toNudge = (key: string, definition: NudgeDefinition): Nudge => ({ ...camelKeys(definition), key })

/** The API form of a nudge: its key and its snake_case definition. */
export const nudgeResource = (n: Nudge): NudgeDefinition & { key: string } => snakeKeys(n)

/**
 * A stored definition, or null when it no longer validates. Definitions written before the API became snake_case
 * (0.1: `targetFeature`, `caps.maxShows` …) are read in their snake_case form.
 */
export function readDefinition(stored: unknown): NudgeDefinition | null {
  const parsed = nudgeDefinitionSchema.safeParse(snakeKeys(stored))
  return parsed.success ? parsed.data : null
}

/**
 * Problems that would keep a nudge from ever showing, found before it is saved: selectors Uptake cannot check
 * (`selectorOk` is the widget's own selector parser) and features not in the registry.
 */
export function unreachable(n: NudgeDefinition, featureKeys: Set<string>, selectorOk: (selector: string) => boolean): string[] {
  const problems: string[] = []
  const tourSteps = n.steps && isTourSteps(n.steps) ? n.steps : []
  const checklistSteps = n.steps && !isTourSteps(n.steps) ? n.steps : []
  for (const [where, selector] of [
    ['anchor', n.anchor],
    ['targeting.element_present', n.targeting.element_present],
    ...tourSteps.map((s, i) => [`steps.${i}.anchor`, s.anchor] as const),
  ] as const) {
    if (selector && !selector.split(',').every(selectorOk)) {
      problems.push(`${where}: "${selector}" is not a selector Uptake can check (use tags, #ids, .classes, [attributes], spaces and >)`)
    }
  }
  const features = [n.target_feature, n.targeting.feature_not_used, ...checklistSteps.map((s) => s.feature)].filter((k): k is string => !!k)
  for (const k of features) if (!featureKeys.has(k)) problems.push(`unknown feature "${k}": define it first with PUT /api/v1/features/${k}`)
  return problems
}
