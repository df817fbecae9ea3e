import type { AccountShard, ShardStatement, ShardStatementResult } from './account-shard'

/** What the adapter needs of an AccountShard stub: its one RPC method (a test double can stand in). */
export interface ShardExecutor {
  execute(statements: ShardStatement[]): Promise<ShardStatementResult[]> | ShardStatementResult[]
}

type Bindable = ShardStatement['params'][number]

/** D1's bind rules: booleans become 0/1, undefined is refused (D1 throws D1_TYPE_ERROR the same way). */
function toParam(value: unknown, index: number): Bindable {
  if (value === null || typeof value === 'string' || typeof value === 'number' || value instanceof ArrayBuffer) return value
  if (typeof value === 'boolean') return value ? 1 : 0
  if (ArrayBuffer.isView(value)) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer
  throw new TypeError(`D1_TYPE_ERROR: Type '${typeof value}' not supported for value '${String(value)}' (parameter ?${index + 1})`)
}

function toObjects(result: ShardStatementResult): Record<string, unknown>[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column, row[i]])))
}

function toD1Result<T>(result: ShardStatementResult, duration: number): D1Result<T> {
  return {
    success: true,
    results: toObjects(result) as T[],
    meta: {
      duration,
      size_after: 0,
      rows_read: result.rowsRead,
      rows_written: result.rowsWritten,
      last_row_id: result.lastRowId,
      changed_db: result.changes > 0,
      changes: result.changes,
    },
  }
}

class ShardPreparedStatement {
  constructor(
    private readonly shard: ShardExecutor,
    readonly statement: ShardStatement,
  ) {}

  bind(...values: unknown[]): ShardPreparedStatement {
    return new ShardPreparedStatement(this.shard, { sql: this.statement.sql, params: values.map(toParam) })
  }

  private async one(): Promise<{ result: ShardStatementResult; duration: number }> {
    const started = Date.now()
    const [result] = await this.shard.execute([this.statement])
    return { result, duration: Date.now() - started }
  }

  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const { result, duration } = await this.one()
    return toD1Result<T>(result, duration)
  }

  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.all<T>()
  }

  async first<T = Record<string, unknown>>(column?: string): Promise<T | null> {
    const { result } = await this.one()
    const row = toObjects(result)[0]
    if (!row) return null
    if (column === undefined) return row as T
    if (!(column in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`)
    return row[column] as T
  }

  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    const { result } = await this.one()
    const rows = result.rows as T[]
    return options?.columnNames ? [result.columns as T, ...rows] : rows
  }
}

/**
 * An AccountShard stub as the part of D1Database the stores use: prepare(sql).bind(…).all/first/run/raw and
 * batch([…]) (one transaction, like D1's), with meta.rows_read/rows_written/changes from SQLite's own counters.
 * Not supported (they throw): exec, dump, withSession — no store calls them.
 */
export class ShardDatabase {
  constructor(private readonly shard: ShardExecutor) {}

  prepare(sql: string): ShardPreparedStatement {
    return new ShardPreparedStatement(this.shard, { sql, params: [] })
  }

  async batch<T = unknown>(statements: ShardPreparedStatement[]): Promise<D1Result<T>[]> {
    for (const s of statements) if (!(s instanceof ShardPreparedStatement)) throw new TypeError('batch() takes statements of this shard')
    const started = Date.now()
    const results = await this.shard.execute(statements.map((s) => s.statement))
    const duration = Date.now() - started
    return results.map((r) => toD1Result<T>(r, duration))
  }

  exec(): never {
    throw new Error('ShardDatabase.exec is not supported: prepare statements with bound parameters')
  }

  dump(): never {
    throw new Error('ShardDatabase.dump is not supported')
  }

  withSession(): never {
    throw new Error('ShardDatabase.withSession is not supported: a Durable Object has no read replicas')
  }
}

/** The shard behind `stub` typed as the D1Database the stores take (only the subset above is implemented). */
export function shardDatabase(stub: ShardExecutor | DurableObjectStub<AccountShard>): D1Database {
  return new ShardDatabase(stub as ShardExecutor) as unknown as D1Database
}

/** The stub of shard `shard` of `shards` for a project: one object per (project, shard count, shard). */
export function accountShardStub(ns: DurableObjectNamespace<AccountShard>, projectId: string, shard: number, shards: number) {
  return ns.get(ns.idFromName(`${projectId}:${shard}/${shards}`))
}
