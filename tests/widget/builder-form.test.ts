import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nudgeDefinitionSchema } from '../../shared/nudges'
import { emptyNudge, featureBody, formOf, nudgeDefinition, slug, unrecorded, type NudgeForm } from '../../widget/src/builder/ui'
import { featurePutSchema } from '../../shared/features'

const features = new Map([
  ['report.export', 'Export'],
  ['invoice.send', 'Send'],
])
const text = fc.string({ minLength: 1, maxLength: 30 })
const form = fc
  .record({
    kind: fc.constantFrom('tooltip', 'hotspot', 'banner', 'modal', 'checklist', 'nps', 'tour'),
    tourSteps: fc.array(
      fc.record({ anchor: fc.constantFrom('', '#export'), path: fc.constantFrom('', '/reports', '/invoices'), title: text, body: text }),
      { minLength: 1, maxLength: 5 },
    ),
    key: fc.constantFrom('export-tip', 'welcome', 'nps-q3'),
    fr: fc.boolean(),
    title: text,
    body: text,
    button: fc.option(text, { nil: '' }),
    action: fc.constantFrom('dismiss', 'complete', 'go'),
    path: fc.constantFrom('', '/reports', '/reports/**'),
    segments: fc.subarray(['tech_touch', 'high_touch']),
    bands: fc.subarray(['red', 'yellow', 'green']),
    featureNotUsed: fc.constantFrom('', 'report.export'),
    targetFeature: fc.constantFrom('', 'invoice.send'),
    maxShows: fc.integer({ min: 1, max: 1000 }),
    minDaysBetween: fc.integer({ min: 0, max: 365 }),
    holdout: fc.constantFrom(0, 0.05, 0.1, 0.5),
    placement: fc.constantFrom('auto', 'above', 'below'),
  })
  .map((r): NudgeForm => ({
    ...emptyNudge('[data-testid="export-csv"]', r.path),
    ...r,
    steps: r.kind === 'checklist' ? ['report.export'] : [],
    tour: r.tourSteps.map((st) => ({
      anchor: st.anchor,
      path: st.path,
      placement: 'auto',
      text: { default: { title: st.title, body: st.body } },
    })),
    locales: r.fr ? ['default', 'fr'] : ['default'],
    locale: 'default',
    text: {
      default: { title: r.title, body: r.body, button: r.button },
      ...(r.fr ? { fr: { title: `fr ${r.title}`, body: `fr ${r.body}`, button: r.button && `fr ${r.button}` } } : {}),
    },
  }))

describe('the builder’s nudge form', () => {
  it('always produces a definition the server accepts, and reads back into the same form (property)', () => {
    fc.assert(
      fc.property(form, (f) => {
        const definition = nudgeDefinition(f, features)
        const parsed = nudgeDefinitionSchema.safeParse(definition)
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
        const back = formOf(f.key, JSON.parse(JSON.stringify(parsed.data)))
        expect(back).toMatchObject({
          kind: f.kind,
          path: f.path,
          segments: f.segments,
          bands: f.bands,
          featureNotUsed: f.featureNotUsed,
          targetFeature: f.targetFeature,
          maxShows: f.maxShows,
          minDaysBetween: f.minDaysBetween,
          holdout: f.holdout,
          placement: f.kind === 'tooltip' ? f.placement : 'auto',
          locales: f.locales,
        })
        expect(back.text.default.title).toBe(f.text.default.title)
        if (f.kind === 'tour')
          expect(back.tour.map((st) => [st.anchor, st.path, st.text.default.title])).toEqual(
            f.tour.map((st) => [st.anchor, st.path, st.text.default.title]),
          )
        if (f.locales.includes('fr')) expect(back.text.fr.body).toBe(f.text.fr.body)
      }),
      { numRuns: 200 },
    )
  })

  it('makes keys the registry takes from names', () => {
    expect(slug('Export CSV')).toBe('export-csv')
    expect(slug('  Ünïcode & Co. ')).toBe('n-code-co')
    expect(slug('***')).toBe('item')
  })
})

describe('the builder’s feature', () => {
  const rule = { match: 'click', selector: '[data-testid="export-csv"]', path: '/reports' }
  it('is a click rule on the picked selector for a new key', () => {
    const body = featureBody(undefined, { name: 'Export', core: true, path: '/reports' }, '[data-testid="export-csv"]')
    expect(body).toEqual({ name: 'Export', core: true, kind: 'feature', rules: [rule] })
    expect(featurePutSchema.safeParse(body).success).toBe(true)
  })

  it('adds the click to an existing feature, keeping its other rules and kind, once', () => {
    const existing = {
      key: 'report.export',
      name: 'Export',
      kind: 'value' as const,
      core: false,
      rules: [{ match: 'event' as const, event: 'Report Exported' }],
    }
    const body = featureBody(existing, { name: 'Export', core: true, path: '/reports' }, '[data-testid="export-csv"]')
    expect(body.rules).toEqual([{ match: 'event', event: 'Report Exported' }, rule])
    expect(body.kind).toBe('value')
    const again = featureBody(
      { ...existing, rules: body.rules as typeof existing.rules },
      { name: 'Export', core: true, path: '/reports' },
      '[data-testid="export-csv"]',
    )
    expect(again.rules).toHaveLength(2)
  })
})

describe('unrecorded', () => {
  it('flags selectors whose attributes stored clicks do not keep, whose past count would read 0', () => {
    expect(unrecorded('button[aria-label="Close"]')).toBe(true)
    expect(unrecorded('a[href="/reports"]')).toBe(true)
    expect(unrecorded('[data-testid="export-csv"]')).toBe(false)
    expect(unrecorded('#export .btn[type="submit"]')).toBe(false)
  })
})
