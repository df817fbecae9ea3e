/** Display formats shared by the console's views: pure, locale-stable (en-US) so screenshots and tests read the same. */

const DAY_MS = 86_400_000

const money0 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 })
const compact = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 })

/** `$12,000`; `$1.2M` when compact; an em dash when unknown. */
export function money(v: number | null | undefined, opts: { compact?: boolean } = {}): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  return (opts.compact ? compact : money0).format(v)
}

/** A score as a whole number, or an em dash. */
export function score(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : String(Math.round(v))
}

/** A signed change with one decimal (`+4.0`, `−3.5`, `0.0`); the minus is a real minus sign. */
export function delta(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  const r = Math.round(v * 10) / 10
  if (r === 0) return '0.0'
  return (r > 0 ? '+' : '−') + Math.abs(r).toFixed(1)
}

const dateFmt = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' })

/** `Jan 5, 2027` from an ISO date or date-time; an em dash when missing or unreadable. */
export function date(v: string | null | undefined): string {
  if (!v) return '—'
  const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)
  return Number.isFinite(t) ? dateFmt.format(t) : '—'
}

/** Whole days from `now` to an ISO date (negative when past). */
export function daysUntil(v: string, now = Date.now()): number | null {
  const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)
  return Number.isFinite(t) ? Math.round((t - now) / DAY_MS) : null
}

/** `today`, `3 d ago`, `in 12 d` relative to now; an em dash when missing. */
export function relativeDays(v: string | null | undefined, now = Date.now()): string {
  if (!v) return '—'
  const d = daysUntil(v, now)
  if (d === null) return '—'
  if (d === 0) return 'today'
  return d > 0 ? `in ${d} d` : `${-d} d ago`
}

const BAND_LABELS: Record<string, string> = { red: 'Red', yellow: 'Yellow', green: 'Green', insufficient_data: 'No data' }
export function bandLabel(b: string | null | undefined): string {
  return b ? (BAND_LABELS[b] ?? b) : '—'
}
