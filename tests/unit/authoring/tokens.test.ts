import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { countMatches } from '../../../worker/src/authoring/preview'
import {
  LINK_PREFIX,
  LINK_TTL_MS,
  linkRefusal,
  linkUrl,
  looksLikeToken,
  newToken,
  originOf,
  SESSION_PREFIX,
  SESSION_TTL_MS,
  sessionStatus,
  type LinkRecord,
} from '../../../worker/src/authoring/tokens'
import { featureForClick } from '../../../worker/src/features/click-match'
import { selectorMatchesPath } from '../../../worker/src/features/selector-path'
import { pathMatches } from '../../../shared/path-pattern'

const now = Date.parse('2026-06-01T09:00:00Z')
const link = (over: Partial<LinkRecord> = {}): LinkRecord => ({
  projectId: 'p1',
  origin: 'https://app.example.com',
  expiresAt: now + LINK_TTL_MS,
  usedAt: null,
  ...over,
})
const at = { projectId: 'p1', origin: 'https://app.example.com', now }

describe('authoring tokens', () => {
  it('are random, prefixed by kind, and safe in a URL fragment', () => {
    const a = newToken(LINK_PREFIX)
    expect(a).toMatch(/^al_[A-Za-z0-9_-]{32}$/)
    expect(newToken(LINK_PREFIX)).not.toBe(a)
    expect(looksLikeToken(a, LINK_PREFIX)).toBe(true)
    expect(looksLikeToken(a, SESSION_PREFIX)).toBe(false) // a link token is never a session token
    expect(looksLikeToken('wk_demo', SESSION_PREFIX)).toBe(false)
  })

  it('live minutes as links and hours as sessions', () => {
    expect(LINK_TTL_MS).toBe(10 * 60_000)
    expect(SESSION_TTL_MS).toBe(8 * 3_600_000)
  })

  it('put the token in the fragment of the page, replacing any fragment, keeping path and query', () => {
    expect(linkUrl('https://app.example.com/reports?tab=2#old', 'al_x')).toBe('https://app.example.com/reports?tab=2#uptake-author=al_x')
    expect(originOf('https://app.example.com:8443/a/b')).toBe('https://app.example.com:8443')
  })
})

describe('linkRefusal', () => {
  it('lets a fresh, unused link of the project through from its own origin (or without an Origin header)', () => {
    expect(linkRefusal(link(), at)).toBeNull()
    expect(linkRefusal(link(), { ...at, origin: null })).toBeNull()
  })

  it.each([
    ['unknown', null, at],
    ['used', link({ usedAt: now - 1 }), at],
    ['expired', link({ expiresAt: now }), at],
    ['other_project', link(), { ...at, projectId: 'p2' }],
    ['other_origin', link(), { ...at, origin: 'https://evil.example' }],
  ] as const)('refuses a link that is %s', (why, l, ctx) => {
    expect(linkRefusal(l, ctx)).toBe(why)
  })

  it('never lets a used or expired link through, whatever else holds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.option(fc.integer({ min: 0, max: 1e12 }), { nil: null }), (offset, usedAt) => {
        const l = link({ expiresAt: now + offset, usedAt })
        const ok = linkRefusal(l, at) === null
        expect(ok).toBe(usedAt === null && offset > 0)
      }),
    )
  })
})

describe('sessionStatus', () => {
  it('is active until it expires, and revoked wins over everything', () => {
    expect(sessionStatus({ expiresAt: now + 1, revokedAt: null }, now)).toBe('active')
    expect(sessionStatus({ expiresAt: now, revokedAt: null }, now)).toBe('expired')
    expect(sessionStatus({ expiresAt: now + 1, revokedAt: now - 5 }, now)).toBe('revoked')
    expect(sessionStatus({ expiresAt: now - 1, revokedAt: now - 5 }, now)).toBe('revoked')
  })
})

describe('countMatches (the click preview)', () => {
  const paths = fc.constantFrom('/reports', '/reports/2026', '/settings', '/invoices/new')
  const steps = fc.constantFrom('main', 'div.toolbar', 'button#export.btn', 'button.btn[data-testid="export-csv"]', 'nav', 'a.link', 'form')
  const click = fc.record({ selector: fc.array(steps, { minLength: 1, maxLength: 4 }).map((s) => s.join(' > ')), path: paths })
  const rule = fc.record({
    selector: fc.constantFrom('button', '#export', '.toolbar button', '[data-testid="export-csv"]', 'main > div', 'nav a'),
    path: fc.option(fc.constantFrom('/reports', '/reports/**', '/*'), { nil: undefined }),
  })

  it('counts exactly the clicks the server’s matcher tags with the rule (property)', () => {
    fc.assert(
      fc.property(fc.array(click, { maxLength: 40 }), rule, (clicks, r) => {
        const expected = clicks.filter(
          (c) => selectorMatchesPath(r.selector, c.selector) && (!r.path || pathMatches(r.path, c.path)),
        ).length
        expect(countMatches(clicks, r, featureForClick)).toBe(expected)
      }),
    )
  })

  it('ignores stored clicks without an element path', () => {
    expect(
      countMatches(
        [
          { selector: null, path: '/x' },
          { selector: 42, path: '/x' },
        ],
        { selector: 'button' },
        featureForClick,
      ),
    ).toBe(0)
  })
})
