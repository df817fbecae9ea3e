import { accountCards } from '../accounts'
import { DAY_MS } from '../lib/days'
import { loadProjectSettings } from '../projects'
import type { AccountScoreResult, ScoringInputs } from '../scoring'
import { deliverWebhook } from './deliver'
import { projectAlerts } from './project-alerts'
import { insertAlerts, lastRaised, markDelivery } from './store'
import { afterCooldown } from './triggers'

/** After a scoring run: raise the alerts its scores call for (minus cooldowns), store them, send the webhook. */
export async function raiseAlerts(
  db: D1Database,
  projectId: string,
  rows: ScoringInputs,
  results: AccountScoreResult[],
  now: number,
): Promise<number> {
  const { alerts: settings } = await loadProjectSettings(db, projectId)
  const recent = await lastRaised(db, projectId, now - settings.cooldownDays * DAY_MS)
  const alerts = afterCooldown(projectAlerts(rows, results, now), recent, now, settings.cooldownDays)
  const ids = await insertAlerts(db, projectId, alerts, now)
  if (ids.length && settings.webhookUrl) {
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
  return ids.length
}
