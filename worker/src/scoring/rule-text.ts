import type { Condition, IndicatorRule, RuleMetric } from '../../../shared/scoring'

const METRIC_TEXT: Record<RuleMetric, string> = {
  features_used: 'features used',
  core_features_used: 'core features used',
  core_features_total: 'core features defined',
  event_count: 'events',
  active_users: 'active users',
  active_days: 'active days',
  logins: 'logins',
  value_events: 'value events',
  health_score: 'health score',
  releases_behind: 'releases behind',
  account_age_days: 'account age in days',
  seats_used_ratio: 'active users per licensed seat',
}

const OP_TEXT: Record<Condition['op'], string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=' }

/** One condition in words: `active days = 0 in the last 14 days`. Pure. */
export function describeCondition(c: Condition): string {
  const metric = c.metric === 'event_count' ? `"${c.event}" events` : METRIC_TEXT[c.metric]
  const window = !c.window
    ? ''
    : c.window.from === 'start'
      ? ` in the account's first ${c.window.days} days`
      : ` in the last ${c.window.days} days`
  return `${metric} ${OP_TEXT[c.op]} ${c.value.toLocaleString('en-US')}${window}`
}

/** A rule's conditions in words, all of which must hold, with its segment when it has one. Pure. */
export function describeRule(rule: IndicatorRule): string {
  const all = rule.all.map(describeCondition).join(' and ')
  return rule.segment ? `In segment ${rule.segment}: ${all}` : all
}
