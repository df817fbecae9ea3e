import { patchAccountAttributes } from '../accounts'
import { cachedTagging, trackTagger } from '../features'
import type { Bindings } from '../http/env'
import { applyNudgeInteractions, nudgeInteractions, refreshUserContexts } from '../nudges'
import { loadProjectSettings } from '../projects'
import { archiveObjects, gzip } from './archive'
import { trustedAttributes } from './attributes'
import type { IngestMessage } from './messages'
import type { EventRow } from './normalize'
import { planIngest, type IngestPlan } from './plan'
import { knownMessageIds, uniqueByMessageId, writeIngest } from './store'

/** What one consumer write did for a project's messages. */
export interface StoredIngest {
  inserted: number
  duplicates: number
  archived: number
  rowsWritten: number
}

type StoreEnv = Pick<Bindings, 'DB' | 'RAW_EVENTS'>

/**
 * Writes one project's queued messages (or one request inline): tags track events with the current
 * registry, archives the new events to R2, then counts them in D1 in one transaction (dedupe, rollups,
 * users, accounts, hot system events). Idempotent on (project, messageId): a redelivered message, or a
 * client's resend, counts nothing twice.
 */
export async function storeIngest(env: StoreEnv, projectId: string, messages: IngestMessage[], now = Date.now()): Promise<StoredIngest> {
  const tagging = await cachedTagging(env.DB, projectId, now)
  const tag = trackTagger(tagging.index)
  // grouped by user (stable), so a user's session lands in one write: its user and rollup rows are upserted once
  const entries = uniqueByMessageId(
    messages.flatMap((m) => m.rows.map((row) => ({ messageId: row.messageId, row, receivedAt: m.receivedAt, trusted: m.trusted }))),
  ).sort((a, b) => (a.row.userId ?? '').localeCompare(b.row.userId ?? ''))
  for (const { row } of entries) if (row.type === 'track' && row.name !== null) Object.assign(row, tag(row.name, row.properties))
  const total = messages.reduce((n, m) => n + m.rows.length, 0)
  const stored = { inserted: 0, duplicates: 0, archived: 0, rowsWritten: 0 }
  // bounded D1 transactions (a consumer batch may hold 100 requests of 500 events); a retry skips the chunks already written
  for (let i = 0; i < entries.length; i += MAX_EVENTS_PER_WRITE) {
    const chunk = await storeChunk(env, projectId, entries.slice(i, i + MAX_EVENTS_PER_WRITE), tagging.generation, now)
    stored.inserted += chunk.inserted
    stored.archived += chunk.archived
    stored.rowsWritten += chunk.rowsWritten
  }
  stored.duplicates = total - stored.inserted
  return stored
}

/** Events per D1 transaction and archive put: keeps each statement's JSON parameter well under D1's 2 MB value limit. */
export const MAX_EVENTS_PER_WRITE = 1000

type Entry = { messageId: string; row: EventRow; receivedAt: number; trusted: boolean }

/** The account each user's events belong to: the batch's own group/context, else the one stored for the user. */
async function accountsOf(db: D1Database, projectId: string, plan: IngestPlan): Promise<Map<string, string | null>> {
  const { rows } = plan
  const accounts = new Map<string, string | null>()
  for (const u of plan.users) if (u.accountId) accounts.set(u.id, u.accountId)
  const missing = [...new Set(rows.flatMap((r) => (r.userId && !accounts.has(r.userId) ? [r.userId] : [])))]
  if (missing.length) {
    const { results } = await db
      .prepare('SELECT id, account_id FROM users WHERE project_id = ?1 AND id IN (SELECT value FROM json_each(?2))')
      .bind(projectId, JSON.stringify(missing))
      .all<{ id: string; account_id: string | null }>()
    for (const r of results) accounts.set(r.id, r.account_id)
  }
  return accounts
}

async function storeChunk(env: StoreEnv, projectId: string, entries: Entry[], rulesGeneration: number, now: number) {
  const known = await knownMessageIds(
    env.DB,
    projectId,
    entries.map((e) => e.messageId),
  )
  const fresh = entries.filter((e) => !known.has(e.messageId))
  if (!fresh.length) return { inserted: 0, archived: 0, rowsWritten: 0 }
  const ingestId = crypto.randomUUID()
  const plan = planIngest(fresh.map((e) => e.row))
  // archived lines carry the account the rollups count them under, so an account's lines can be found (erasure, exports)
  const accounts = await accountsOf(env.DB, projectId, plan)
  const archived = fresh.map((e) => ({
    receivedAt: e.receivedAt,
    row: e.row.accountId || !e.row.userId ? e.row : { ...e.row, accountId: accounts.get(e.row.userId) ?? null },
  }))
  // archive first: an event is never counted without its raw line (a crash before the D1 commit only repeats a line)
  const objects = archiveObjects(projectId, archived, ingestId, now)
  await Promise.all(
    objects.map(async (o) =>
      env.RAW_EVENTS.put(o.key, await gzip(o.ndjson), {
        httpMetadata: { contentType: 'application/gzip' },
        // rules: the rules generation these tags come from (re-tagging skips objects already under the current one)
        // who: a Bloom filter of the lines' users, anonymous ids and accounts (erasure skips objects without its person)
        customMetadata: { events: String(o.events), day: o.day, rules: String(rulesGeneration), ...(o.who ? { who: o.who } : {}) },
      }),
    ),
  )
  const written = await writeIngest(env.DB, projectId, plan, now, ingestId)
  const inserted = fresh.filter((e) => written.insertedIds.has(e.messageId))
  const trustedRows = inserted.filter((e) => e.trusted).map((e) => e.row)
  if (trustedRows.length) {
    const settings = await loadProjectSettings(env.DB, projectId)
    await patchAccountAttributes(env.DB, projectId, trustedAttributes(trustedRows, settings.attributes.protected))
  }
  const insertedRows: EventRow[] = inserted.map((e) => e.row)
  await applyNudgeInteractions(env.DB, env.DB, projectId, nudgeInteractions(insertedRows), now)
  // the one-read decision context of every user this write touched (GET /v1/nudges reads only that row)
  await refreshUserContexts(env.DB, env.DB, projectId, [...new Set(insertedRows.flatMap((r) => (r.userId ? [r.userId] : [])))], now)
  return { inserted: written.inserted, archived: fresh.length, rowsWritten: written.rowsWritten }
}
