/**
 * A D1Database that passes every call through and adds up D1's own `meta.rows_written` / `rows_read` (what D1
 * bills), per table written, so a bench can price a code path without the code path knowing.
 */
export interface D1Meter {
  db: D1Database
  rowsWritten: number
  rowsRead: number
  statements: number
  /** rows written by table (the first table an INSERT / UPDATE / DELETE names). */
  byTable: Record<string, number>
  reset(): void
}

const tableOf = (sql: string) =>
  /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM|REPLACE\s+INTO)\s+(\w+)/i.exec(sql)?.[1] ?? 'other'

export function meterD1(real: D1Database): D1Meter {
  const meter: D1Meter = {
    db: undefined as unknown as D1Database,
    rowsWritten: 0,
    rowsRead: 0,
    statements: 0,
    byTable: {},
    reset() {
      meter.rowsWritten = 0
      meter.rowsRead = 0
      meter.statements = 0
      meter.byTable = {}
    },
  }
  const underlying = new WeakMap<object, { stmt: D1PreparedStatement; sql: string }>()
  const count = (sql: string, meta: D1Meta | undefined) => {
    const w = meta?.rows_written ?? 0
    meter.rowsWritten += w
    meter.rowsRead += meta?.rows_read ?? 0
    meter.statements++
    if (w) meter.byTable[tableOf(sql)] = (meter.byTable[tableOf(sql)] ?? 0) + w
  }
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = {
      bind: (...values: unknown[]) => wrap(stmt.bind(...values), sql),
      async run() {
        const r = await stmt.run()
        count(sql, r.meta)
        return r
      },
      async all() {
        const r = await stmt.all()
        count(sql, r.meta)
        return r
      },
      // first() and raw() carry no meta: run as all() and shape the answer the same way
      async first(column?: string) {
        const r = await stmt.all<Record<string, unknown>>()
        count(sql, r.meta)
        const row = r.results[0]
        if (row === undefined) return null
        return column === undefined ? row : (row[column] ?? null)
      },
      async raw(options?: { columnNames?: boolean }) {
        const r = await stmt.all<Record<string, unknown>>()
        count(sql, r.meta)
        const rows = r.results.map((row) => Object.values(row))
        return options?.columnNames ? [Object.keys(r.results[0] ?? {}), ...rows] : rows
      },
    } as unknown as D1PreparedStatement
    underlying.set(proxy, { stmt, sql })
    return proxy
  }
  meter.db = {
    prepare: (sql: string) => wrap(real.prepare(sql), sql),
    async batch<T>(statements: D1PreparedStatement[]) {
      const inner = statements.map((s) => underlying.get(s) ?? { stmt: s, sql: '' })
      const results = await real.batch<T>(inner.map((i) => i.stmt))
      results.forEach((r, i) => count(inner[i].sql, r.meta))
      return results
    },
    exec: (sql: string) => real.exec(sql),
    dump: () => real.dump(),
    withSession: (c?: string) => real.withSession(c),
  } as unknown as D1Database
  return meter
}
