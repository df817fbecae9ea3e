import { patchAccountAttributes } from '../accounts'
import { cachedTagging, trackTagger } from '../features'
import type { Bindings } from '../http/env'
import { applyNudgeInteractions, nudgeInteractions, refreshUserContexts } from '../nudges'
import { loadProjectSettings } from '../projects'
import { directoryAccounts, eventRoute, projectState, recordDirectory, type ProjectState } from '../shards'
import { archiveObjects, gzip } from './archive'
import { trustedAttributes } from './attributes'
import type { IngestMessage } from './messages'
import type { EventRow } from './normalize'
import { planIngest, type IngestPlan } from './plan'
import { accountStatements, eventStatements, knownMessageIds, uniqueByMessageId, userStatements, writeIngest } from './store'

/** What one consumer write did for a project's messages. */
export interface StoredIngest {
  inserted: number
  duplicates: number
  archived: number
  rowsWritten: number
  /** Of rowsWritten, those in the main D1 when the project is sharded (accounts, the directory); 0 when not. */
  controlRowsWritten: number
  /** Events inserted per state shard (index → count; index 0 is the main D1 when the project is not sharded). */
  insertedByShard: Map<number, number>
}

type StoreEnv = Pick<Bindings, 'DB' | 'RAW_EVENTS' | 'ACCOUNT_SHARDS'>

/**
 * Writes one project's queued messages (or one request inline): tags track events with the current
 * registry, archives the new events to R2, then counts them in D1 in one transaction (dedupe, rollups,
 * users, accounts, hot system events); a sharded project's user grain goes to its account shards instead (one
 * transaction per shard, `storeShardedChunk`). Idempotent on (project, messageId): a redelivered message, or a
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
  const state = await projectState(env, projectId)
  const stored: StoredIngest = {
    inserted: 0,
    duplicates: 0,
    archived: 0,
    rowsWritten: 0,
    controlRowsWritten: 0,
    insertedByShard: new Map(),
  }
  // bounded D1 transactions (a consumer batch may hold 100 requests of 500 events); a retry skips the chunks already written
  for (let i = 0; i < entries.length; i += MAX_EVENTS_PER_WRITE) {
    const slice = entries.slice(i, i + MAX_EVENTS_PER_WRITE)
    const chunk = state.sharded
      ? await storeShardedChunk(env, state, slice, tagging.generation, now)
      : await storeChunk(env, projectId, slice, tagging.generation, now)
    stored.inserted += chunk.inserted
    stored.archived += chunk.archived
    stored.rowsWritten += chunk.rowsWritten
    stored.controlRowsWritten += chunk.controlRowsWritten
    for (const [index, n] of chunk.byShard ?? [[0, chunk.inserted]])
      stored.insertedByShard.set(index, (stored.insertedByShard.get(index) ?? 0) + n)
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
  if (!fresh.length) return { inserted: 0, archived: 0, rowsWritten: 0, controlRowsWritten: 0, byShard: null }
  const ingestId = crypto.randomUUID()
  const plan = planIngest(fresh.map((e) => e.row))
  // archived lines carry the account the rollups count them under, so an account's lines can be found (erasure, exports)
  const accounts = await accountsOf(env.DB, projectId, plan)
  const archived = fresh.map((e) => ({
    receivedAt: e.receivedAt,
    row: e.row.accountId || !e.row.userId ? e.row : { ...e.row, accountId: accounts.get(e.row.userId) ?? null },
  }))
  // archive first: an event is never counted without its raw line (a crash before the D1 commit only repeats a line)
  await archiveChunk(env, projectId, archived, ingestId, rulesGeneration, now)
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
  return { inserted: written.inserted, archived: fresh.length, rowsWritten: written.rowsWritten, controlRowsWritten: 0, byShard: null }
}

/** One gzip NDJSON object per event day in R2, put before any database commit. */
async function archiveChunk(
  env: StoreEnv,
  projectId: string,
  archived: { receivedAt: number; row: EventRow }[],
  ingestId: string,
  rulesGeneration: number,
  now: number,
) {
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
}

// ---- sharded projects ------------------------------------------------------------------------------------

/**
 * A chunk of a sharded project (ARCHITECTURE.md §11): each event goes to the shard of its own account, else of its
 * user's (this chunk's group/identify, else the directory's, else none: `user:<id>`). Order, so a crash and a redelivery
 * repeat steps instead of double counting: dedupe reads per shard → R2 archive → account upserts in D1 (idempotent) →
 * one batch per shard (users, dedupe keys, hot events, rollups; a moved user's own rows carried in) → a moved user's old
 * rows deleted → the directory in D1 last, so a redelivery still sees the old account and finishes the move.
 */
async function storeShardedChunk(env: StoreEnv, state: ProjectState, entries: Entry[], rulesGeneration: number, now: number) {
  const projectId = state.projectId
  const routing = planIngest(entries.map((e) => e.row))
  const userIds = routing.users.map((u) => u.id)
  const directory = await directoryAccounts(env.DB, projectId, userIds)
  const home = new Map<string, string | null>()
  for (const u of routing.users) home.set(u.id, u.accountId ?? directory.get(u.id) ?? null)
  const shardOfUser = (userId: string) => state.indexOf(home.get(userId) ?? null, userId)
  // a user whose account moved to another shard: their users row is carried over, then deleted where it was
  const moved = userIds.filter((u) => directory.has(u) && state.indexOf(directory.get(u) ?? null, u) !== shardOfUser(u))
  const groups = state.split(entries, (e) =>
    eventRoute({
      accountId: e.row.accountId ?? (e.row.userId ? (home.get(e.row.userId) ?? null) : null),
      userId: e.row.userId,
      anonymousId: e.row.anonymousId,
      messageId: e.messageId,
    }),
  )
  // exact dedupe on each shard: a messageId always routes to the same shard while its user's account stays (a resend
  // without groupId of an event sent before the user's account moved shard lands in the new shard and counts again)
  const known = await Promise.all(
    groups.map((g) =>
      knownMessageIds(
        g.db,
        projectId,
        g.items.map((e) => e.messageId),
      ),
    ),
  )
  const freshGroups = groups.map((g, i) => ({ ...g, items: g.items.filter((e) => !known[i].has(e.messageId)) }))
  const fresh = freshGroups.flatMap((g) => g.items)
  const directoryChanges = userIds.filter((u) => !directory.has(u) || directory.get(u) !== home.get(u))
  if (!fresh.length && !moved.length && !directoryChanges.length)
    return { inserted: 0, archived: 0, rowsWritten: 0, controlRowsWritten: 0, byShard: null }
  const ingestId = crypto.randomUUID()
  let rowsWritten = 0
  if (fresh.length) {
    const archived = fresh.map((e) => ({
      receivedAt: e.receivedAt,
      row: e.row.accountId || !e.row.userId ? e.row : { ...e.row, accountId: home.get(e.row.userId) ?? null },
    }))
    await archiveChunk(env, projectId, archived, ingestId, rulesGeneration, now)
  }
  const plan = planIngest(fresh.map((e) => e.row))
  // accounts are the CS read model in D1; their upserts are idempotent, so a redelivery repeats them harmlessly
  const accounts = accountStatements(env.DB, projectId, plan.accounts)
  let controlRowsWritten = accounts.length ? sumWritten(await env.DB.batch(accounts)) : 0
  const copies = await movedUserRows(state, moved, directory)
  const writes = new Map<number, { users: IngestPlan['users']; rows: EventRow[]; copies: Carried[] }>()
  const slot = (index: number) => writes.get(index) ?? writes.set(index, { users: [], rows: [], copies: [] }).get(index)!
  for (const g of freshGroups) if (g.items.length) slot(g.index).rows.push(...g.items.map((e) => e.row))
  // the user's row lives with their account: the account this chunk routed them by (a partly redelivered chunk agrees)
  for (const u of plan.users) slot(shardOfUser(u.id)).users.push({ ...u, accountId: u.accountId ? (home.get(u.id) ?? null) : null })
  // the carried users row takes the new account; nudge states and scores keep theirs, as they would unsharded
  for (const c of copies)
    slot(shardOfUser(c.userId)).copies.push(c.table === 'users' ? { ...c, row: { ...c.row, account_id: home.get(c.userId) ?? null } } : c)
  const byShard = new Map<number, number>()
  const insertedIds = new Set<string>()
  await Promise.all(
    [...writes].map(async ([index, w]) => {
      const db = state.shard(index)
      const rowsIn = uniqueByMessageId(w.rows)
      const events = rowsIn.length ? eventStatements(db, projectId, rowsIn, now, ingestId) : null
      const head = [...copyStatements(db, projectId, w.copies), ...userStatements(db, projectId, w.users)]
      const results = await db.batch([...head, ...(events ? [events.ids, ...events.hot, ...events.rollups] : [])])
      rowsWritten += sumWritten(results)
      if (events) {
        const ids = (results[head.length] as D1Result<{ message_id: string }>).results.map((r) => r.message_id)
        for (const id of ids) insertedIds.add(id)
        byShard.set(index, ids.length)
      }
    }),
  )
  // only after the new shard holds the user: a crash before this leaves the old rows, which the redelivery deletes
  if (moved.length) rowsWritten += await forgetMovedUsers(state, moved, directory)
  if (directoryChanges.length) {
    const entries = directoryChanges.map((u) => ({ userId: u, accountId: home.get(u) ?? null }))
    controlRowsWritten += sumWritten(await env.DB.batch(recordDirectory(env.DB, projectId, entries, now)))
  }
  const inserted = fresh.filter((e) => insertedIds.has(e.messageId))
  const trustedRows = inserted.filter((e) => e.trusted).map((e) => e.row)
  if (trustedRows.length) {
    const settings = await loadProjectSettings(env.DB, projectId)
    await patchAccountAttributes(env.DB, projectId, trustedAttributes(trustedRows, settings.attributes.protected))
  }
  // nudge state and decision contexts are the user's: written in the shard of the user's account, shards in parallel
  // (an account, so its survey NPS and anchor reports in D1, belongs to one shard)
  const insertedRows: EventRow[] = inserted.map((e) => e.row)
  const touched = [...new Set([...insertedRows.flatMap((r) => (r.userId ? [r.userId] : [])), ...moved])]
  const interactions = nudgeInteractions(insertedRows)
  await Promise.all(
    state
      .split(touched, (u) => ({ accountId: home.get(u) ?? null, userId: u }))
      .map(async (g) => {
        const users = new Set(g.items)
        await applyNudgeInteractions(
          env.DB,
          g.db,
          projectId,
          interactions.filter((i) => users.has(i.userId)),
          now,
        )
        await refreshUserContexts(env.DB, g.db, projectId, g.items, now)
      }),
  )
  return { inserted: insertedIds.size, archived: fresh.length, rowsWritten: rowsWritten + controlRowsWritten, controlRowsWritten, byShard }
}

const sumWritten = (results: D1Result[]) => results.reduce((n, r) => n + (r.meta.rows_written ?? 0), 0)

/**
 * A moving user's own rows, carried to the new shard so the decision and the user's lists read them there: the users
 * row, nudge states (exposure, dismissals, tour step) and the last score. Rollups stay as the old account's history.
 */
const CARRIED = [
  { table: 'users', user: 'id' },
  { table: 'nudge_states', user: 'user_id' },
  { table: 'user_scores', user: 'user_id' },
] as const
type Carried = { table: (typeof CARRIED)[number]['table']; userId: string; row: Record<string, unknown> }

/** The rows of users moving shard, read where the directory says they live (one call per old shard). */
async function movedUserRows(state: ProjectState, moved: string[], directory: Map<string, string | null>): Promise<Carried[]> {
  if (!moved.length) return []
  const groups = state.split(moved, (u) => ({ accountId: directory.get(u) ?? null, userId: u }))
  const found = await Promise.all(
    groups.map(async (g) => {
      const ids = JSON.stringify(g.items)
      const results = await g.db.batch<Record<string, unknown>>(
        CARRIED.map((c) =>
          g.db
            .prepare(`SELECT * FROM ${c.table} WHERE project_id = ?1 AND ${c.user} IN (SELECT value FROM json_each(?2))`)
            .bind(state.projectId, ids),
        ),
      )
      return CARRIED.flatMap((c, i) => results[i].results.map((row) => ({ table: c.table, userId: String(row[c.user]), row }) as Carried))
    }),
  )
  return found.flat()
}

// carried rows go in first, so the write's own upserts merge into them exactly as into the stored rows
function copyStatements(db: D1Database, projectId: string, carried: Carried[]): D1PreparedStatement[] {
  return CARRIED.flatMap(({ table }) => {
    const rows = carried.filter((c) => c.table === table).map((c) => c.row)
    if (!rows.length) return []
    const columns = Object.keys(rows[0]).filter((k) => k !== 'project_id' && /^[a-z_]+$/.test(k))
    const values = columns.map((k) => `json_extract(value, '$.${k}')`).join(', ')
    return [
      db
        .prepare(
          `INSERT INTO ${table} (project_id, ${columns.join(', ')}) SELECT ?1, ${values} FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING`,
        )
        .bind(projectId, JSON.stringify(rows)),
    ]
  })
}

/** Deletes moved users' carried rows and decision contexts from their old shard; past rollups stay there as the old account's history. */
async function forgetMovedUsers(state: ProjectState, moved: string[], directory: Map<string, string | null>): Promise<number> {
  const groups = state.split(moved, (u) => ({ accountId: directory.get(u) ?? null, userId: u }))
  const written = await Promise.all(
    groups.map(async (g) => {
      const ids = JSON.stringify(g.items)
      const results = await g.db.batch(
        [...CARRIED, { table: 'user_contexts', user: 'user_id' }].map((c) =>
          g.db
            .prepare(`DELETE FROM ${c.table} WHERE project_id = ?1 AND ${c.user} IN (SELECT value FROM json_each(?2))`)
            .bind(state.projectId, ids),
        ),
      )
      return sumWritten(results)
    }),
  )
  return written.reduce((a, b) => a + b, 0)
}
