import type { Anchor, IndicatorRule, ScoringConfig, ScoringProfile } from '../../../shared/scoring'

/** Value events per active user in 30 days, as ln(1 + x): poor 2, healthy 10, full marks from 30. Accounts and users share it. */
const VALUE_ANCHOR: Anchor = { poor: Math.log(3), healthy: Math.log(11), min: 0, cap: Math.log(31), lower_is_better: false }
/** Change in active days, last 30 vs the 30 before: poor -20%, healthy -5%, zero at -60%, full marks from +20%. */
const MOMENTUM_ANCHOR: Anchor = { poor: -0.2, healthy: -0.05, min: -0.6, cap: 0.2, lower_is_better: false }

/** docs/scoring.md §3 defaults (sales-led seat anchors); optional measures count only when their data exists. */
export const DEFAULT_PROFILE: ScoringProfile = {
  measures: {
    seat_activation: { weight: 25, anchor: { poor: 0.5, healthy: 0.8, min: 0, cap: 1, lower_is_better: false } },
    hau_share: { weight: 20, anchor: { poor: 0.2, healthy: 0.5, min: 0, cap: 1, lower_is_better: false } },
    feature_breadth: { weight: 20, anchor: { poor: 0.25, healthy: 0.5, min: 0, cap: 1, lower_is_better: false } },
    value_realisation: { weight: 15, anchor: VALUE_ANCHOR },
    momentum: { weight: 20, anchor: MOMENTUM_ANCHOR },
    version_lag: { weight: 10, anchor: { poor: 4, healthy: 2, min: 8, cap: 0, lower_is_better: true } },
    nps: { weight: 10, anchor: { poor: 0, healthy: 30, min: -100, cap: 70, lower_is_better: false } },
  },
  bands: { red: 40, green: 70, hysteresis: 5 },
  min_present_weight: 0.6,
  hau_days: 10,
}

/** Editable presets: the published leading indicators (docs/scoring.md §9), as data. */
export const PRESET_RULES: IndicatorRule[] = [
  {
    key: 'hubspot.low_breadth_first_60d',
    name: 'Fewer than 5 features used in the first 60 days (HubSpot)',
    kind: 'risk',
    critical: false,
    all: [
      { metric: 'features_used', op: '<', value: 5, window: { days: 60, from: 'start' } },
      { metric: 'account_age_days', op: '>=', value: 60 },
    ],
  },
  {
    key: 'no_activity_14d',
    name: 'No meaningful activity by anyone in 14 days',
    kind: 'risk',
    critical: true,
    all: [{ metric: 'active_days', op: '==', value: 0, window: { days: 14, from: 'now' } }],
  },
  {
    key: 'few_active_users',
    name: 'Fewer than 3 active users in 28 days',
    kind: 'risk',
    critical: false,
    all: [{ metric: 'active_users', op: '<', value: 3, window: { days: 28, from: 'now' } }],
  },
  {
    key: 'version_lag',
    name: 'More than 4 releases behind',
    kind: 'risk',
    critical: true,
    all: [{ metric: 'releases_behind', op: '>', value: 4 }],
  },
  {
    key: 'slack.message_volume',
    name: 'At least 2,000 invoices created (Slack-style volume threshold)',
    kind: 'opportunity',
    critical: false,
    all: [{ metric: 'event_count', event: 'Invoice Created', op: '>=', value: 2000, window: { days: 90, from: 'now' } }],
  },
  {
    key: 'seats_full',
    name: 'All licensed seats active (expansion opportunity)',
    kind: 'opportunity',
    critical: false,
    all: [{ metric: 'seats_used_ratio', op: '>=', value: 1 }],
  },
]

/** Accounts in their first 30 days: momentum means little yet, so breadth and first value weigh more. */
export const ONBOARDING_PROFILE: ScoringProfile = {
  ...DEFAULT_PROFILE,
  measures: {
    ...DEFAULT_PROFILE.measures,
    feature_breadth: { ...DEFAULT_PROFILE.measures.feature_breadth!, weight: 30 },
    value_realisation: { ...DEFAULT_PROFILE.measures.value_realisation!, weight: 25 },
    hau_share: { ...DEFAULT_PROFILE.measures.hau_share!, weight: 10 },
    momentum: { ...DEFAULT_PROFILE.measures.momentum!, weight: 0 },
  },
}

export const DEFAULT_CONFIG: ScoringConfig = {
  profiles: { default: DEFAULT_PROFILE, onboarding: ONBOARDING_PROFILE },
  segments: [
    { key: 'high_touch', name: 'High touch (ARR ≥ 50k)', all: [{ attribute: 'arr', op: '>=', value: 50000 }] },
    { key: 'low_touch', name: 'Low touch (ARR 5k-50k)', all: [{ attribute: 'arr', op: '>=', value: 5000 }] },
    { key: 'tech_touch', name: 'Tech touch (ARR < 5k)', all: [] },
  ],
  rules: PRESET_RULES,
  min_cell_count: 5,
}

/**
 * The user adoption score (docs/scoring.md §12): weights of frequency, breadth, value, recency and momentum, their
 * anchors, the recency half-life, and the age under which a user is onboarding (scored without frequency and momentum).
 */
export const USER_SCORE_MODEL = {
  weights: { frequency: 30, breadth: 30, value: 20, recency: 10, momentum: 10 },
  anchors: {
    /** Active days in 28. */
    frequency: { poor: 4, healthy: 10, min: 0, cap: 20, lower_is_better: false },
    /** Share of the core features used in 30 days. */
    breadth: { poor: 0.2, healthy: 0.5, min: 0, cap: 1, lower_is_better: false },
    value: VALUE_ANCHOR,
    momentum: MOMENTUM_ANCHOR,
  } satisfies Record<string, Anchor>,
  recencyHalfLifeDays: 7,
  onboardingDays: 14,
  /** Share of the weight that must be present for a score. */
  minPresentWeight: 0.5,
} as const
