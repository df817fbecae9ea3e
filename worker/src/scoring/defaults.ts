import type { IndicatorRule, ScoringConfig, ScoringProfile } from '../../../shared/scoring'

/** docs/scoring.md §3 defaults (sales-led seat anchors); optional measures count only when their data exists. */
export const DEFAULT_PROFILE: ScoringProfile = {
  measures: {
    seat_activation: { weight: 25, anchor: { poor: 0.5, healthy: 0.8, min: 0, cap: 1, lowerIsBetter: false } },
    hau_share: { weight: 20, anchor: { poor: 0.2, healthy: 0.5, min: 0, cap: 1, lowerIsBetter: false } },
    feature_breadth: { weight: 20, anchor: { poor: 0.25, healthy: 0.5, min: 0, cap: 1, lowerIsBetter: false } },
    value_realisation: { weight: 15, anchor: { poor: Math.log(3), healthy: Math.log(11), min: 0, cap: Math.log(31), lowerIsBetter: false } },
    momentum: { weight: 20, anchor: { poor: -0.2, healthy: -0.05, min: -0.6, cap: 0.2, lowerIsBetter: false } },
    version_lag: { weight: 10, anchor: { poor: 4, healthy: 2, min: 8, cap: 0, lowerIsBetter: true } },
    nps: { weight: 10, anchor: { poor: 0, healthy: 30, min: -100, cap: 70, lowerIsBetter: false } },
  },
  bands: { red: 40, green: 70, hysteresis: 5 },
  minPresentWeight: 0.6,
  hauDays: 10,
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
  minCellCount: 5,
}
