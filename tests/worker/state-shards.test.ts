import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { directoryAccounts, projectState, recordDirectory, shardKeyOf, shardOf } from '../../worker/src/shards'
import { newProject } from './fixtures'
import { insertStateRows, newShardedProject, rowsOnEveryShard, rowsPerShard } from './state-fixtures'

const NOW = Date.UTC(2026, 10, 20, 12)

describe('project state layout', () => {
  it('an unsharded project keeps every table in the main D1', async () => {
    const p = await newProject('layout1')
    const state = await projectState(env, p.id)
    expect(state.shards).toBe(1)
    expect(state.sharded).toBe(false)
    expect(state.forUser('a1', 'u1')).toBe(env.DB)
    expect(state.all()).toEqual([{ index: 0, db: env.DB }])
  })

  it('a sharded project routes an account to shardOf(account, N) and its shard has every state table', async () => {
    const p = await newShardedProject('layout4', 4)
    const state = await projectState(env, p.id)
    expect(state.shards).toBe(4)
    expect(state.indexOf('acct_7', 'u1')).toBe(shardOf('acct_7', 4))
    expect(state.indexOf(null, 'u9')).toBe(shardOf(shardKeyOf(null, 'u9'), 4))
    expect(state.forUser('acct_7', 'u1')).toBe(state.forAccount('acct_7'))
    const accounts = Array.from({ length: 40 }, (_, i) => `acct_${i}`)
    await insertStateRows(
      p.id,
      'users',
      accounts.map((a, i) => ({ id: `u${i}`, account_id: a, first_seen: NOW, last_seen: NOW })),
    )
    const perShard = await rowsPerShard(p.id, 'users')
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(40)
    expect(perShard.filter((n) => n > 0).length).toBeGreaterThan(1)
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE project_id = ?1').bind(p.id).first('n')).toBe(0)
    for (const table of ['events', 'user_contexts', 'dedupe_purge_cursors', 'archive_tag_versions', 'event_ids', 'nudge_states']) {
      expect(await rowsOnEveryShard(p.id, `SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?1`)).toHaveLength(4)
    }
    const split = state.split(accounts, (a) => ({ accountId: a, userId: '' }))
    expect(split.flatMap((g) => g.items).sort()).toEqual([...accounts].sort())
    for (const g of split) for (const a of g.items) expect(shardOf(a, 4)).toBe(g.index)
  })

  it('the directory records where a user lives and rewrites a row only when the account changed', async () => {
    const p = await newShardedProject('dir', 2)
    const first = await env.DB.batch(
      recordDirectory(
        env.DB,
        p.id,
        [
          { userId: 'u1', accountId: 'a1' },
          { userId: 'u2', accountId: null },
        ],
        NOW,
      ),
    )
    expect(first[0].meta.rows_written).toBeGreaterThan(0)
    const same = await env.DB.batch(recordDirectory(env.DB, p.id, [{ userId: 'u1', accountId: 'a1' }], NOW + 1))
    expect(same[0].meta.changes).toBe(0)
    await env.DB.batch(recordDirectory(env.DB, p.id, [{ userId: 'u1', accountId: 'a2' }], NOW + 2))
    // a write without an account that raced the user's group() (both read an empty directory) never undoes it
    const none = await env.DB.batch(recordDirectory(env.DB, p.id, [{ userId: 'u1', accountId: null }], NOW + 3))
    expect(none[0].meta.changes).toBe(0)
    const found = await directoryAccounts(env.DB, p.id, ['u1', 'u2', 'u3'])
    expect([...found.entries()].sort()).toEqual([
      ['u1', 'a2'],
      ['u2', null],
    ])
  })

  it('N > 1 without the shard binding is a 503, never a write to D1', async () => {
    const p = await newShardedProject('nobinding', 2)
    const state = await projectState({ DB: env.DB }, p.id)
    expect(() => state.shard(1)).toThrow(/ACCOUNT_SHARDS/)
  })
})
