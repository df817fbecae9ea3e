/**
 * The portfolio's filters, sort and columns as pure functions: the state round-trips through the URL query,
 * and the CSV export is built from exactly the rows and columns the table shows.
 */
import { toCsv } from '../../worker/src/lib/csv'
import type { PortfolioAccount } from './types'

export const BANDS = ['red', 'yellow', 'green', 'insufficient_data'] as const

export type ColumnKey =
  'name' | 'owner' | 'segment' | 'arr' | 'band' | 'score' | 'delta30' | 'renewal_date' | 'last_active' | 'open_alerts' | 'churn'

export interface Column {
  key: ColumnKey
  label: string
  numeric?: boolean
  /** The value sorted on (null sorts last either way). */
  sortValue: (a: PortfolioAccount) => string | number | null
  /** The cell as exported to CSV. */
  csv: (a: PortfolioAccount) => string | number | null
}

const BAND_RANK: Record<string, number> = { red: 0, yellow: 1, green: 2, insufficient_data: 3 }
const round1 = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 10) / 10)
const day = (v: string | null | undefined) => (v ? v.slice(0, 10) : null)

export const COLUMNS: readonly Column[] = [
  { key: 'name', label: 'Account', sortValue: (a) => (a.name ?? a.account_id).toLowerCase(), csv: (a) => a.name ?? a.account_id },
  { key: 'owner', label: 'Owner', sortValue: (a) => a.owner?.toLowerCase() ?? null, csv: (a) => a.owner ?? null },
  { key: 'segment', label: 'Segment', sortValue: (a) => a.segment?.toLowerCase() ?? null, csv: (a) => a.segment },
  { key: 'arr', label: 'ARR', numeric: true, sortValue: (a) => a.arr ?? null, csv: (a) => a.arr ?? null },
  { key: 'band', label: 'Band', sortValue: (a) => BAND_RANK[a.band] ?? 9, csv: (a) => a.band },
  { key: 'score', label: 'Score', numeric: true, sortValue: (a) => a.score, csv: (a) => (a.score === null ? null : Math.round(a.score)) },
  { key: 'delta30', label: 'Δ30', numeric: true, sortValue: (a) => a.delta30, csv: (a) => round1(a.delta30) },
  { key: 'renewal_date', label: 'Renewal', sortValue: (a) => day(a.renewal_date), csv: (a) => day(a.renewal_date) },
  { key: 'last_active', label: 'Last active', sortValue: (a) => a.last_active ?? null, csv: (a) => day(a.last_active) },
  { key: 'open_alerts', label: 'Open alerts', numeric: true, sortValue: (a) => a.open_alerts ?? null, csv: (a) => a.open_alerts ?? null },
  {
    key: 'churn',
    label: 'Churn risk',
    sortValue: (a) => (a.churn_risk ? 0 : 1),
    csv: (a) => (a.churn_risk ? (a.churn_reasons?.length ? a.churn_reasons.join('; ') : 'yes') : ''),
  },
]

export interface PortfolioState {
  owner: string | null
  segment: string | null
  band: (typeof BANDS)[number] | null
  churn: 'yes' | 'no' | null
  sort: ColumnKey
  dir: 'asc' | 'desc'
}

export const DEFAULT_STATE: PortfolioState = { owner: null, segment: null, band: null, churn: null, sort: 'score', dir: 'asc' }

const short = (v: string | null) => (v && v.length <= 200 ? v : null)

/** Reads the state from a URL query; anything unknown falls back to the default. */
export function parseState(q: URLSearchParams): PortfolioState {
  const band = q.get('band')
  const churn = q.get('churn')
  const sort = q.get('sort')
  return {
    owner: short(q.get('owner')),
    segment: short(q.get('segment')),
    band: (BANDS as readonly string[]).includes(band ?? '') ? (band as PortfolioState['band']) : null,
    churn: churn === 'yes' || churn === 'no' ? churn : null,
    sort: COLUMNS.some((c) => c.key === sort) ? (sort as ColumnKey) : DEFAULT_STATE.sort,
    dir: q.get('dir') === 'desc' ? 'desc' : q.get('dir') === 'asc' ? 'asc' : DEFAULT_STATE.dir,
  }
}

/** The query for a state, leaving out defaults so a plain /portfolio is the default view. */
export function stateQuery(s: PortfolioState): string {
  const q = new URLSearchParams()
  if (s.owner !== null) q.set('owner', s.owner)
  if (s.segment !== null) q.set('segment', s.segment)
  if (s.band !== null) q.set('band', s.band)
  if (s.churn !== null) q.set('churn', s.churn)
  if (s.sort !== DEFAULT_STATE.sort || s.dir !== DEFAULT_STATE.dir) {
    q.set('sort', s.sort)
    q.set('dir', s.dir)
  }
  return q.toString()
}

/** `owner` filter value for accounts without one. */
export const NO_OWNER = '(none)'

export function applyState(rows: readonly PortfolioAccount[], s: PortfolioState): PortfolioAccount[] {
  const col = COLUMNS.find((c) => c.key === s.sort) ?? COLUMNS[0]
  const sign = s.dir === 'asc' ? 1 : -1
  return rows
    .filter(
      (a) =>
        (s.owner === null || (s.owner === NO_OWNER ? !a.owner : a.owner === s.owner)) &&
        (s.segment === null || a.segment === s.segment) &&
        (s.band === null || a.band === s.band) &&
        (s.churn === null || a.churn_risk === (s.churn === 'yes')),
    )
    .map((a, i) => ({ a, i, v: col.sortValue(a) }))
    .sort((x, y) => {
      // unknown values last in both directions; ties keep the API's order (stable)
      if (x.v === null || y.v === null) return x.v === y.v ? x.i - y.i : x.v === null ? 1 : -1
      const c = x.v < y.v ? -1 : x.v > y.v ? 1 : 0
      return c === 0 ? x.i - y.i : c * sign
    })
    .map((x) => x.a)
}

/** Distinct non-empty values of a field, sorted, for a filter's options. */
export function distinct(rows: readonly PortfolioAccount[], pick: (a: PortfolioAccount) => string | null | undefined): string[] {
  return [...new Set(rows.map(pick).filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b))
}

/** The CSV of exactly the rows shown, in the order shown, one column per table column (plus the account id). */
export function portfolioCsv(rows: readonly PortfolioAccount[]): string {
  return toCsv(
    ['account_id', ...COLUMNS.map((c) => c.key)],
    rows.map((a) => [a.account_id, ...COLUMNS.map((c) => c.csv(a))]),
  )
}
