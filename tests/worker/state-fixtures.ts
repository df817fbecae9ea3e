// Sharded-state fixtures (issue 13): a project whose user-grain state lives in N AccountShard objects, rows put
// straight into the shard that owns them, and reads over every shard, so each slice can check that a sharded project
// answers exactly as an unsharded one with the same rows.
import { env } from 'cloudflare:test'
import { forgetStateShards, projectState, type ProjectState } from '../../worker/src/shards'
import { newProject, type TestProject } from './fixtures'

export type ShardedProject = TestProject & { shards: number }

/** A new project created with `shards` state shards (as the creation route would: N is fixed before any data). */
export async function newShardedProject(name = 'sharded', shards = 4): Promise<ShardedProject> {
  const p = await newProject(name)
  await env.DB.prepare('UPDATE projects SET state_shards = ?2 WHERE id = ?1').bind(p.id, shards).run()
  forgetStateShards(p.id)
  return { ...p, shards }
}

export function stateOf(projectId: string): Promise<ProjectState> {
  return projectState(env, projectId)
}

type Row = Record<string, string | number | null>

/**
 * Inserts rows into `table` where the project's layout keeps them: user-grain rows by their `account_id` and
 * `user_id` (or `id` for `users`) into the owning shard, everything else into the main D1. `project_id` is added.
 */
export async function insertStateRows(
  projectId: string,
  table: string,
  rows: readonly Row[],
  /** where a row lives when it has no account_id/user_id of its own (event_ids: the event's account and user) */
  route?: (row: Row) => { accountId: string | null; userId: string },
): Promise<void> {
  if (!/^[a-z_]+$/.test(table)) throw new RangeError(`not a table: ${table}`)
  const state = await stateOf(projectId)
  const userGrain = USER_GRAIN.has(table)
  const groups = userGrain
    ? state.split(
        rows,
        (r) => route?.(r) ?? { accountId: (r.account_id as string | null) ?? null, userId: String(r.user_id ?? r.id ?? '') },
      )
    : [{ index: 0, db: state.control, items: [...rows] }]
  for (const { db, items } of groups) {
    const statements = items.map((r) => {
      const columns = ['project_id', ...Object.keys(r)]
      for (const c of columns) if (!/^[a-z_]+$/.test(c)) throw new RangeError(`not a column: ${c}`)
      return db
        .prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `?${i + 1}`).join(', ')})`)
        .bind(projectId, ...Object.values(r))
    })
    for (let i = 0; i < statements.length; i += 200) await db.batch(statements.slice(i, i + 200))
  }
}

/** The rows a SELECT returns on every shard of the project, concatenated in shard order (`?1` is the project id). */
export async function rowsOnEveryShard<T = Record<string, unknown>>(projectId: string, sql: string, ...params: unknown[]): Promise<T[]> {
  const state = await stateOf(projectId)
  const out: T[] = []
  for (const { db } of state.all()) {
    const { results } = await db
      .prepare(sql)
      .bind(projectId, ...params)
      .all<T>()
    out.push(...results)
  }
  return out
}

/** How many rows of `table` each shard holds for the project (to show that rows really spread out). */
export async function rowsPerShard(projectId: string, table: string): Promise<number[]> {
  if (!/^[a-z_]+$/.test(table)) throw new RangeError(`not a table: ${table}`)
  const state = await stateOf(projectId)
  const counts: number[] = []
  for (const { db } of state.all())
    counts.push((await db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`).bind(projectId).first<number>('n')) ?? 0)
  return counts
}

export const USER_GRAIN = new Set([
  'users',
  'user_days',
  'user_event_days',
  'user_feature_days',
  'user_scores',
  'nudge_states',
  'user_contexts',
  'event_ids',
  'events',
  'dedupe_purge_cursors',
  'archive_tag_versions',
])
