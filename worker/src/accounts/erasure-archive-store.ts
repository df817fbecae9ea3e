import { archivePrefix, archiveTerms, gunzip, parseArchive, whoTerm, type ArchivedEvent } from '../ingest'
import { bloomOf, readBloom } from '../lib/bloom'
import { directoryAccounts, lineShard, type ProjectState } from '../shards'
import { rollupDecrements, splitLines, type ErasureTarget } from './erasure'

/**
 * Erasure in the R2 raw-event archive: every object of the project is read once (key order), and one holding
 * lines of the erased user or account is rewritten without them under the same key (deleted when nothing is
 * left); their dedupe keys (event_ids) go in the same step. Bounded per call (objects read); progress is kept in
 * a small R2 object under `erasure/` (keyed by a hash of the id, removed when the erasure ends), so a repeated
 * call carries on where the previous one stopped. An anonymous id of the user first seen in a later object sends
 * the walk back over the objects before it once, for the anonymous lines there.
 */

/** Archive objects a call reads at most. */
export const ERASE_OBJECTS_PER_CALL = 50
/** Objects a call may pass over on their `who` filter per object it may read (a listing is ~1,000 keys, a read one object). */
export const ERASE_SKIPS_PER_READ = 20

export interface ArchiveProgress {
  v: 1
  phase: 'sweep' | 'revisit' | 'done'
  /** Last object key done in this phase (null: from the start). */
  after: string | null
  /** Revisit objects before this key: where the last new anonymous id was seen. */
  until: string | null
  anonymousIds: string[]
  /** An account's users when the erasure started: their lines go wherever they were sent. */
  members: string[]
  /** Sharded projects: the shards below this one hold none of the erased users' rows any more. */
  shard?: number
  /** Sharded account erasure: the shards below this one hold none of the account's nudge states and user scores any more. */
  carriedShard?: number
}

/** What the eraser lends the archive walk: its budget counters and D1. */
export interface ArchiveEraser {
  db: D1Database
  /** A sharded project's layout (the dedupe keys and rollups of a line live in its shard); undefined: all in `db`. */
  state?: ProjectState
  projectId: string
  readonly exhausted: boolean
  statements: number
  count(table: string, n: number): void
}

const progressKey = async (projectId: string, kind: 'user' | 'account', id: string) => {
  // a hash, not the id: nothing names an erased person once the erasure is done
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${kind}\u0000${id}`))
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
  return `erasure/${projectId}/${hex}.json`
}

// the same gzip the ingest writer uses (CompressionStream, developers.cloudflare.com/workers/runtime-apis/web-standards/)
const gzip = (text: string) => new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()

// `include` is honoured from compatibility date 2022-08-04 (developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2listoptions); the stable types lack it
type ListWithMetadata = R2ListOptions & { include?: ('httpMetadata' | 'customMetadata')[] }

export class ArchiveErasure {
  private constructor(
    readonly bucket: R2Bucket,
    readonly key: string,
    public progress: ArchiveProgress | null,
  ) {}

  static async open(bucket: R2Bucket, projectId: string, kind: 'user' | 'account', id: string): Promise<ArchiveErasure> {
    const key = await progressKey(projectId, kind, id)
    const stored = await bucket.get(key)
    return new ArchiveErasure(bucket, key, stored ? ((await stored.json()) as ArchiveProgress) : null)
  }

  /** Starts the walk (members: an account's users now). */
  begin(members: string[]): ArchiveProgress {
    this.progress = { v: 1, phase: 'sweep', after: null, until: null, anonymousIds: [], members }
    return this.progress
  }

  save() {
    return this.progress ? this.bucket.put(this.key, JSON.stringify(this.progress)) : Promise.resolve()
  }

  /** The erasure is over: its progress (the anonymous ids it found) goes too. */
  async end() {
    await this.bucket.delete(this.key)
    this.progress = null
  }

  /**
   * Walks the archive under the call's budget: true once every object is done (progress `done`), false when the
   * budget ran out first (progress saved). `accountId` is set for an account erasure.
   */
  async walk(e: ArchiveEraser, target: { userIds: string[]; accountId: string | null }, maxObjects: number): Promise<boolean> {
    const p = this.progress!
    if (p.phase === 'done') return true
    const erasing: ErasureTarget = { userIds: new Set(target.userIds), accountId: target.accountId }
    const prefix = archivePrefix(e.projectId)
    let read = 0
    let skipped = 0
    const maxSkipped = maxObjects * ERASE_SKIPS_PER_READ
    const spent = () => read >= maxObjects || skipped >= maxSkipped
    for (;;) {
      if (e.exhausted || spent()) break
      e.statements++
      // customMetadata carries each object's `who` filter (R2 may then list fewer keys per page: the cursor goes on)
      const options: ListWithMetadata = {
        prefix,
        startAfter: p.after ?? undefined,
        limit: Math.min(maxObjects - read + maxSkipped - skipped, 1000),
        include: ['customMetadata'],
      }
      const listed = await this.bucket.list(options)
      // an empty page ends the phase even if marked truncated, so a call never lists in place
      let ended = !listed.truncated || !listed.objects.length
      for (const o of listed.objects) {
        if (p.phase === 'revisit' && p.until !== null && o.key >= p.until) {
          ended = true
          break
        }
        if (e.exhausted || spent()) {
          ended = false
          break
        }
        if (!mayHold(o.customMetadata?.who, erasing, p.anonymousIds)) {
          skipped++
          p.after = o.key
          continue
        }
        read++
        const done = await this.eraseObject(e, o.key, erasing)
        if (done === null) {
          // rewritten meanwhile by someone else: read it again on the next call
          await this.save()
          return false
        }
        p.after = o.key
      }
      if (!ended) continue
      // end of this phase
      if (p.phase === 'sweep' && p.until !== null) {
        p.phase = 'revisit'
        p.after = null
        continue
      }
      p.phase = 'done'
      p.after = null
      await this.save()
      return true
    }
    await this.save()
    return false
  }

  /** Rewrites one object without the erased lines; null when the object changed under us (etag). */
  private async eraseObject(e: ArchiveEraser, key: string, target: ErasureTarget): Promise<boolean | null> {
    const p = this.progress!
    e.statements++
    const object = await this.bucket.get(key)
    if (!object) return true
    // a line that does not parse is not rewritten (the writer puts whole objects, so none should exist)
    const lines = parseArchive(await gunzip(object.body))
    const split = splitLines(lines, target, new Set(p.anonymousIds))
    if (split.newAnonymousIds.length) {
      p.anonymousIds.push(...split.newAnonymousIds)
      // anonymous lines of these ids in earlier objects were kept: the sweep goes back over them once
      if (p.phase === 'sweep' && p.after !== null) p.until = key
    }
    if (!split.removed.length) return true
    if (split.kept.length) {
      const ndjson = split.kept.map((l) => JSON.stringify(l)).join('\n') + '\n'
      const put = await this.bucket.put(key, await gzip(ndjson), {
        onlyIf: { etagMatches: object.etag },
        httpMetadata: object.httpMetadata,
        // the filter shrinks with the lines: a later walk (or this one's revisit) passes the object over
        customMetadata: { ...withoutWho(object.customMetadata), events: String(split.kept.length), ...who(split.kept) },
      })
      if (put === null) return null
    } else {
      await this.bucket.delete(key)
    }
    e.count('archived_events', split.removed.length)
    // after the object: a crash in between leaves the keys (harmless) and, for an account, its others' day counts high
    await this.forget(e, key, split.removed, split.kept.length === 0, target)
    return true
  }

  /** The removed lines' dedupe keys, a deleted object's tag version, and (account) what the lines of users who stay added to their rollups. */
  private async forget(e: ArchiveEraser, key: string, removed: ArchivedEvent[], deleted: boolean, target: ErasureTarget) {
    if (e.state?.sharded) return this.forgetOnShards(e, e.state, key, removed, deleted, target)
    const { db, projectId } = e
    const statements: D1PreparedStatement[] = [
      db
        .prepare('DELETE FROM event_ids WHERE project_id = ?1 AND message_id IN (SELECT value FROM json_each(?2))')
        .bind(projectId, JSON.stringify(removed.map((l) => l.message_id))),
    ]
    if (deleted)
      statements.push(db.prepare('DELETE FROM archive_tag_versions WHERE project_id = ?1 AND object_key = ?2').bind(projectId, key))
    if (target.accountId !== null)
      statements.push(
        ...decrementStatements(
          db,
          projectId,
          target.accountId,
          rollupDecrements(removed, (u) => !target.userIds.has(u)),
        ),
      )
    e.statements += statements.length
    const results = await db.batch(statements)
    e.count('event_ids', results[0].meta.changes)
  }

  /**
   * `forget` for a sharded project: a removed line's dedupe key and the counts it added live in its shard, so one
   * batch per shard touched, in parallel; the users who stay get their current account from the directory (D1).
   */
  private async forgetOnShards(
    e: ArchiveEraser,
    state: ProjectState,
    key: string,
    removed: ArchivedEvent[],
    deleted: boolean,
    target: ErasureTarget,
  ) {
    const { projectId } = e
    const byShard = new Map<number, ArchivedEvent[]>()
    const add = (shard: number, l: ArchivedEvent) => byShard.set(shard, [...(byShard.get(shard) ?? []), l])
    for (const l of removed) add(lineShard(state, l), l)
    const keep = (u: string) => !target.userIds.has(u)
    const stay = [...new Set(removed.flatMap((l) => (l.user_id !== null && keep(l.user_id) ? [l.user_id] : [])))]
    const accounts =
      target.accountId !== null && stay.length ? JSON.stringify([...(await directoryAccounts(e.db, projectId, stay))]) : JSON.stringify([])
    const changes = await Promise.all(
      [...byShard].map(async ([index, lines]) => {
        const db = state.shard(index)
        const statements: D1PreparedStatement[] = [
          db
            .prepare('DELETE FROM event_ids WHERE project_id = ?1 AND message_id IN (SELECT value FROM json_each(?2))')
            .bind(projectId, JSON.stringify(lines.map((l) => l.message_id))),
        ]
        if (deleted)
          statements.push(db.prepare('DELETE FROM archive_tag_versions WHERE project_id = ?1 AND object_key = ?2').bind(projectId, key))
        if (target.accountId !== null)
          statements.push(
            ...decrementStatements(
              db,
              projectId,
              target.accountId,
              rollupDecrements(
                lines.filter((l) => l.user_id !== null),
                keep,
              ),
              accounts,
            ),
          )
        e.statements += statements.length
        const results = await db.batch(statements)
        return results[0].meta.changes
      }),
    )
    e.count(
      'event_ids',
      changes.reduce((a, b) => a + b, 0),
    )
  }
}

const withoutWho = (metadata: Record<string, string> | undefined) => {
  const { who: _, ...rest } = metadata ?? {}
  return rest
}

const who = (lines: ArchivedEvent[]): Record<string, string> => {
  const filter = bloomOf(lines.flatMap(archiveTerms))
  return filter ? { who: filter } : {}
}

/**
 * False only when the object's filter proves it holds no line of the target: no target user, not the account, no
 * anonymous id known so far (one found later sends the walk back over earlier objects, which then test it).
 * Objects written before the filter existed, or with too many people for one, have none: read.
 */
function mayHold(who: string | undefined, target: ErasureTarget, anonymousIds: readonly string[]): boolean {
  const bloom = readBloom(who)
  if (!bloom) return true
  for (const id of target.userIds) if (bloom.mayHold(whoTerm.user(id))) return true
  if (target.accountId !== null && bloom.mayHold(whoTerm.account(target.accountId))) return true
  return anonymousIds.some((id) => bloom.mayHold(whoTerm.anonymous(id)))
}

const item = (i: number) => `json_extract(d.value, '$[${i}]')`

/**
 * Subtracts removed lines from the day rollups of users who stay, drops rows left at zero, and moves a row still
 * marked with the erased account to the user's current account (so the account's own drain does not take it).
 */
function decrementStatements(
  db: D1Database,
  projectId: string,
  accountId: string,
  d: ReturnType<typeof rollupDecrements>,
  /** sharded: [[user, current account]] from the directory (D1), as ?4; the shard's own `users` may be a stale copy */
  currentAccounts?: string,
): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = []
  const current = (table: string) =>
    currentAccounts === undefined
      ? `(SELECT u.account_id FROM users AS u WHERE u.project_id = ?1 AND u.id = ${table}.user_id)`
      : `(SELECT json_extract(c.value, '$[1]') FROM json_each(?4) AS c WHERE json_extract(c.value, '$[0]') = ${table}.user_id)`
  const reassign = (table: string) => `account_id = CASE WHEN ${table}.account_id = ?3 THEN ${current(table)} ELSE ${table}.account_id END`
  const binds = (json: string) =>
    currentAccounts === undefined ? [projectId, json, accountId] : [projectId, json, accountId, currentAccounts]
  if (d.userDays.length) {
    const json = JSON.stringify(d.userDays)
    out.push(
      db
        .prepare(
          `UPDATE user_days SET events = events - ${item(2)}, meaningful = meaningful - ${item(3)}, logins = logins - ${item(4)},
             value_events = value_events - ${item(5)}, value_amount = value_amount - ${item(6)}, active_seconds = active_seconds - ${item(7)},
             ${reassign('user_days')}
           FROM json_each(?2) AS d WHERE user_days.project_id = ?1 AND user_days.user_id = ${item(0)} AND user_days.day = ${item(1)}`,
        )
        .bind(...binds(json)),
      db
        .prepare(
          `DELETE FROM user_days WHERE project_id = ?1 AND events <= 0 AND (user_id, day) IN (SELECT ${item(0)}, ${item(1)} FROM json_each(?2) AS d)`,
        )
        .bind(projectId, json),
    )
  }
  for (const [table, column, rows] of [
    ['user_event_days', 'name', d.eventDays],
    ['user_feature_days', 'feature_key', d.featureDays],
  ] as const) {
    if (!rows.length) continue
    const json = JSON.stringify(rows)
    out.push(
      db
        .prepare(
          `UPDATE ${table} SET n = n - ${item(3)}, amount = amount - ${item(4)}, ${reassign(table)}
           FROM json_each(?2) AS d WHERE ${table}.project_id = ?1 AND ${table}.user_id = ${item(0)} AND ${table}.${column} = ${item(1)} AND ${table}.day = ${item(2)}`,
        )
        .bind(...binds(json)),
      db
        .prepare(
          `DELETE FROM ${table} WHERE project_id = ?1 AND n <= 0 AND (user_id, ${column}, day) IN (SELECT ${item(0)}, ${item(1)}, ${item(2)} FROM json_each(?2) AS d)`,
        )
        .bind(projectId, json),
    )
  }
  return out
}
