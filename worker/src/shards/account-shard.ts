import { DurableObject } from 'cloudflare:workers'
import { SHARD_MIGRATIONS } from './schema'

/** One statement for `AccountShard.execute`: SQL with ?1… placeholders and its bound values. */
export interface ShardStatement {
  sql: string
  params: (string | number | null | ArrayBuffer)[]
}

/** What one statement did: its rows (values in column order) and the storage rows it read and wrote. */
export interface ShardStatementResult {
  columns: string[]
  rows: (string | number | null | ArrayBuffer)[][]
  rowsRead: number
  rowsWritten: number
  /** Rows the statement inserted, updated or deleted (SQLite's changes(), as D1's meta.changes). */
  changes: number
  lastRowId: number
}

/**
 * One account shard of a project: users, accounts, daily rollups, nudge state, scores and exact dedupe for the
 * accounts that `shardOf` maps here, in the object's own SQLite (10 GB per object). The owner names the object
 * (e.g. `<project>:<shard>/<shards>`); every write arrives as one `execute` call, atomic like a D1 batch.
 */
export class AccountShard extends DurableObject {
  private readonly sql: SqlStorage

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never)
    this.sql = ctx.storage.sql
    // before any request: the schema is brought up to date once per object start
    void ctx.blockConcurrencyWhile(async () => this.migrate())
  }

  private migrate(): void {
    this.sql.exec('CREATE TABLE IF NOT EXISTS shard_schema (version INTEGER NOT NULL)')
    const version = this.sql.exec<{ version: number }>('SELECT version FROM shard_schema').toArray()[0]?.version ?? 0
    if (version >= SHARD_MIGRATIONS.length) return
    this.ctx.storage.transactionSync(() => {
      for (const ddl of SHARD_MIGRATIONS.slice(version)) this.sql.exec(ddl)
      this.sql.exec('DELETE FROM shard_schema')
      this.sql.exec('INSERT INTO shard_schema (version) VALUES (?)', SHARD_MIGRATIONS.length)
    })
  }

  /** Runs the statements in order in one transaction: all of them apply or none (a throw rolls back). */
  execute(statements: ShardStatement[]): ShardStatementResult[] {
    return this.ctx.storage.transactionSync(() =>
      statements.map(({ sql, params }) => {
        const before = this.totalChanges()
        const cursor = this.sql.exec(sql, ...params)
        const rows = [...cursor.raw()]
        const after = this.sql.exec<{ c: number; r: number }>('SELECT total_changes() AS c, last_insert_rowid() AS r').one()
        return {
          columns: cursor.columnNames,
          rows,
          rowsRead: cursor.rowsRead,
          rowsWritten: cursor.rowsWritten,
          changes: after.c - before,
          lastRowId: after.r,
        }
      }),
    )
  }

  /** The shard's size in bytes and row count per table (for the bench and the operator). */
  stats(tables: readonly string[]): { databaseSize: number; rows: Record<string, number> } {
    const rows: Record<string, number> = {}
    for (const table of tables) {
      if (!/^[a-z_]+$/.test(table)) throw new RangeError(`not a table name: ${table}`)
      rows[table] = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n
    }
    return { databaseSize: this.sql.databaseSize, rows }
  }

  private totalChanges(): number {
    return this.sql.exec<{ c: number }>('SELECT total_changes() AS c').one().c
  }
}
