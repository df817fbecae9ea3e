import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyState,
  COLUMNS,
  DEFAULT_STATE,
  NO_OWNER,
  parseState,
  portfolioCsv,
  stateQuery,
  type PortfolioState,
} from '../../console/src/portfolio-state'
import type { PortfolioAccount } from '../../console/src/types'
import { date, delta, money, relativeDays } from '../../console/src/ui/formatters'

const acct = (id: string, p: Partial<PortfolioAccount> = {}): PortfolioAccount => ({
  account_id: id,
  name: id.toUpperCase(),
  score: 50,
  band: 'yellow',
  pending_band: null,
  segment: 'smb',
  churn_risk: false,
  churn_reasons: null,
  delta30: 0,
  trend: null,
  top_risk: null,
  flags: [],
  computed_at: '2026-06-01T03:17:00.000Z',
  owner: null,
  arr: null,
  renewal_date: null,
  last_active: null,
  open_alerts: 0,
  ...p,
})

const ROWS = [
  acct('globex', { score: 38, band: 'red', owner: 'dana@ledgerly.test', arr: 24000, churn_risk: true, churn_reasons: ['usage down'] }),
  acct('acme', { score: 81, band: 'green', owner: 'sam@ledgerly.test', arr: 60000, segment: 'mid' }),
  acct('initech', { score: null, band: 'insufficient_data', arr: 5000 }),
  acct('umbrella', { score: 55, band: 'yellow', owner: 'dana@ledgerly.test', arr: null }),
]

describe('portfolio state', () => {
  it('filters by owner, segment, band and churn risk', () => {
    expect(applyState(ROWS, { ...DEFAULT_STATE, owner: 'dana@ledgerly.test' }).map((a) => a.account_id)).toEqual(['globex', 'umbrella'])
    expect(applyState(ROWS, { ...DEFAULT_STATE, owner: NO_OWNER }).map((a) => a.account_id)).toEqual(['initech'])
    expect(applyState(ROWS, { ...DEFAULT_STATE, segment: 'mid' }).map((a) => a.account_id)).toEqual(['acme'])
    expect(applyState(ROWS, { ...DEFAULT_STATE, band: 'red' }).map((a) => a.account_id)).toEqual(['globex'])
    expect(applyState(ROWS, { ...DEFAULT_STATE, churn: 'no' }).map((a) => a.account_id)).not.toContain('globex')
  })

  it('sorts either way with unknown values last', () => {
    expect(applyState(ROWS, { ...DEFAULT_STATE, sort: 'score', dir: 'asc' }).map((a) => a.account_id)).toEqual([
      'globex',
      'umbrella',
      'acme',
      'initech',
    ])
    expect(applyState(ROWS, { ...DEFAULT_STATE, sort: 'score', dir: 'desc' }).map((a) => a.account_id)).toEqual([
      'acme',
      'umbrella',
      'globex',
      'initech',
    ])
    expect(applyState(ROWS, { ...DEFAULT_STATE, sort: 'arr', dir: 'desc' }).map((a) => a.account_id)).toEqual([
      'acme',
      'globex',
      'initech',
      'umbrella',
    ])
  })

  it('round-trips through the URL query and ignores what it does not know', () => {
    const arb = fc.record<PortfolioState>({
      owner: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: null }),
      segment: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: null }),
      band: fc.constantFrom(null, 'red', 'yellow', 'green', 'insufficient_data'),
      churn: fc.constantFrom(null, 'yes', 'no'),
      sort: fc.constantFrom(...COLUMNS.map((c) => c.key)),
      dir: fc.constantFrom('asc', 'desc'),
    })
    fc.assert(
      fc.property(arb, (s) => {
        expect(parseState(new URLSearchParams(stateQuery(s)))).toEqual(s)
      }),
    )
    expect(parseState(new URLSearchParams('band=purple&sort=nope&dir=up&churn=maybe'))).toEqual(DEFAULT_STATE)
    expect(stateQuery(DEFAULT_STATE)).toBe('')
  })

  it('sorting never adds or drops rows', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ score: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }), arr: fc.option(fc.nat(), { nil: null }) }),
          { maxLength: 30 },
        ),
        fc.constantFrom(...COLUMNS.map((c) => c.key)),
        fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
        (specs, sort, dir) => {
          const rows = specs.map((s, i) => acct(`a${i}`, s))
          const out = applyState(rows, { ...DEFAULT_STATE, sort, dir })
          expect(out.map((a) => a.account_id).sort()).toEqual(rows.map((a) => a.account_id).sort())
        },
      ),
    )
  })

  it('exports exactly the rows given, in their order, with one column per table column', () => {
    const shown = applyState(ROWS, { ...DEFAULT_STATE, owner: 'dana@ledgerly.test', sort: 'name', dir: 'desc' })
    const lines = portfolioCsv(shown).trim().split('\r\n')
    expect(lines[0]).toBe(['account_id', ...COLUMNS.map((c) => c.key)].join(','))
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['umbrella', 'globex'])
    expect(lines[2]).toContain('24000')
    expect(lines[2]).toContain('usage down')
  })
})

describe('console formatters', () => {
  it('formats money, deltas, dates and relative days', () => {
    expect(money(24000)).toBe('$24,000')
    expect(money(null)).toBe('—')
    expect(delta(-3.46)).toBe('−3.5')
    expect(delta(4)).toBe('+4.0')
    expect(delta(0.04)).toBe('0.0')
    expect(date('2027-01-05')).toBe('Jan 5, 2027')
    expect(date('garbage')).toBe('—')
    const now = Date.parse('2026-06-01T12:00:00Z')
    expect(relativeDays('2026-06-11', now)).toBe('in 10 d')
    expect(relativeDays('2026-05-29T12:00:00Z', now)).toBe('3 d ago')
  })
})
