import type { EventKind } from '../../../shared/constants'
import { CLICK_EVENT, SIGNED_IN_EVENT } from '../../../shared/event-names'
import type { Feature, FeatureKind, FeatureRule } from '../../../shared/features'
import { finiteNumber } from '../lib/numbers'
import { featureForClick } from './click-match'

/** What a track event is, once the registry has been applied to it. */
export type TrackKind = Exclude<EventKind, 'identify' | 'group' | 'page'>

export interface FeatureRef {
  key: string
  kind: FeatureKind
}

/** What ingest needs to know of the registry: which event names and keys mean which feature. */
export interface FeatureIndex {
  byKey: Map<string, FeatureRef>
  byEvent: Map<string, FeatureRef>
  /** Features with click rules, for clicks the widget sent before it knew a rule. */
  withClickRules: Feature[]
}

export const emptyFeatureIndex = (): FeatureIndex => ({ byKey: new Map(), byEvent: new Map(), withClickRules: [] })

export function buildFeatureIndex(features: Feature[]): FeatureIndex {
  const index = emptyFeatureIndex()
  for (const f of features) {
    if (f.rules.some((r) => r.match === 'click')) index.withClickRules.push(f)
    const ref = { key: f.key, kind: f.kind }
    index.byKey.set(f.key, ref)
    for (const rule of f.rules as FeatureRule[]) if (rule.match === 'event') index.byEvent.set(rule.event, ref)
  }
  return index
}

/** The value amount of a value event: `amount`, else Segment's `revenue` or `value` property. */
export function valueAmount(properties: Record<string, unknown>): number | null {
  return finiteNumber(properties.amount) ?? finiteNumber(properties.revenue) ?? finiteNumber(properties.value)
}

/** Use of a feature and value events are the meaningful events (the `meaningful` column) scoring counts as activity. */
export const isMeaningful = (kind: string): boolean => kind === 'feature' || kind === 'value'

export interface TrackClass {
  kind: TrackKind
  feature?: FeatureRef
  amount: number | null
}

/** What a track event means given the registry; ingest and retroactive re-tagging share it. Pure. */
export function classifyTrack(name: string, properties: Record<string, unknown>, features: FeatureIndex): TrackClass {
  const tagged = typeof properties.feature === 'string' ? features.byKey.get(properties.feature) : undefined
  const clicked = name === CLICK_EVENT && !tagged ? featureForClick(features.withClickRules, properties) : undefined
  const feature = tagged ?? features.byEvent.get(name) ?? (clicked && features.byKey.get(clicked.key))
  if (feature?.kind === 'value') return { kind: 'value', feature, amount: valueAmount(properties) }
  if (feature?.kind === 'login' || name === SIGNED_IN_EVENT) return { kind: 'login', feature, amount: null }
  if (feature) return { kind: 'feature', feature, amount: finiteNumber(properties.amount) }
  if (name === CLICK_EVENT) return { kind: 'click', feature, amount: null }
  if (name.startsWith('$')) return { kind: 'system', feature, amount: null }
  return { kind: 'track', feature, amount: null }
}

/** The stored tags of a track event (the `events` columns classification fills). */
export interface TrackTags {
  kind: TrackKind
  featureKey: string | null
  amount: number | null
  meaningful: boolean
}

/** Tags track events with the registry: what ingest stores and re-tagging compares against. */
export function trackTagger(features: FeatureIndex): (name: string, properties: Record<string, unknown>) => TrackTags {
  return (name, properties) => {
    const { kind, feature, amount } = classifyTrack(name, properties, features)
    return { kind, featureKey: feature?.key ?? null, amount, meaningful: isMeaningful(kind) }
  }
}
