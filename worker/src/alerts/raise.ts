import { insertAlerts, lastRaised, markDelivery } from './store'
import type { ScoringInputs } from '../scoring'
import { loadProjectSettings } from '../projects'
import type { AccountScoreResult } from '../scoring'
import { deliverWebhook } from './deliver'
import { projectAlerts } from './project-alerts'
import { afterCooldown } from './triggers'

/** After a scoring run: raise the alerts its scores call for (minus cooldowns), store them, send the webhook. */
export async function raiseAlerts(db: D1Database, projectId: string, rows: ScoringInputs, results: AccountScoreResult[], now: number): Promise<number> {
  const { alerts: settings } = await loadProjectSettings(db, projectId)
  const recent = await lastRaised(db, projectId, now - settings.cooldownDays * 86_400_000)
  const alerts = afterCooldown(projectAlerts(rows, results, now), recent, now, settings.cooldownDays)
  const ids = await insertAlerts(db, projectId, alerts, now)
  if (ids.length && settings.webhookUrl) {
    const error = await deliverWebhook(settings.webhookUrl, settings.secret, alerts.map((a, i) => ({ id: ids[i], ...a.payload })), now)
    await markDelivery(db, projectId, ids, now, error)
  }
  return ids.length
}
