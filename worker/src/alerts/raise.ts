import { accountCards } from '../accounts'
import { DAY_MS } from '../lib/days'
import { loadProjectSettings } from '../projects'
import type { AccountScoreResult, ScoringInputs } from '../scoring'
import { deliverWebhook } from './deliver'
import { projectAlerts } from './project-alerts'
import { insertAlerts, lastRaised, markDelivery } from './store'
import { afterCooldown, type Alert } from './triggers'

/** Alerts a scoring run (or one shard of it) stored: their ids, in the order of `alerts`. */
export interface RaisedAlerts {
  ids: number[]
  alerts: ReturnType<typeof projectAlerts>
}

/** The alerts a run's (or a shard's) scores call for, minus cooldowns; neither stored nor sent. */
export async function raiseAlerts(
  db: D1Database,
  projectId: string,
  rows: ScoringInputs,
  results: AccountScoreResult[],
  now: number,
): Promise<Alert[]> {
  const { alerts: settings } = await loadProjectSettings(db, projectId)
  const recent = await lastRaised(db, projectId, now - settings.cooldownDays * DAY_MS)
  return afterCooldown(projectAlerts(rows, results, now), recent, now, settings.cooldownDays)
}

/** Raises the alerts a run's (or a shard's) scores call for, minus cooldowns, and stores them; sends nothing. */
export async function recordAlerts(
  db: D1Database,
  projectId: string,
  rows: ScoringInputs,
  results: AccountScoreResult[],
  now: number,
): Promise<RaisedAlerts> {
  const alerts = await raiseAlerts(db, projectId, rows, results, now)
  const ids = await insertAlerts(db, projectId, alerts, now)
  return { ids, alerts }
}

/** One webhook call for everything a run raised (a sharded run raises per shard, and still sends once). */
export async function deliverAlerts(db: D1Database, projectId: string, raised: RaisedAlerts[], now: number): Promise<void> {
  const ids = raised.flatMap((r) => r.ids)
  const alerts = raised.flatMap((r) => r.alerts)
  if (!ids.length) return
  const { alerts: settings } = await loadProjectSettings(db, projectId)
  if (!settings.webhookUrl) return
  // a Slack message names the accounts; the generic JSON carries ids only, as before
  const names = new Map<string, string>()
  if (settings.format === 'slack')
    for (const card of (
      await accountCards(
        db,
        projectId,
        alerts.map((a) => a.accountId),
      )
    ).values())
      if (card.name) names.set(card.id, card.name)
  const error = await deliverWebhook(
    settings.webhookUrl,
    settings.secret,
    alerts.map((a, i) => ({ id: ids[i], ...a.payload })),
    now,
    fetch,
    settings.format,
    names,
  )
  await markDelivery(db, projectId, ids, now, error)
}
