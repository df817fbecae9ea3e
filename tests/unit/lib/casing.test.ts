import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { camelKeys, snakeKeys } from '../../../worker/src/lib/casing'

const snakeName = fc.array(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('_'))
const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null))
/** Documents whose keys are all snake_case names, as the API and the store write them. */
const snakeDoc = fc.letrec((tie) => ({
  doc: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('doc'), { maxLength: 3 }), fc.dictionary(snakeName, tie('doc'), { maxKeys: 4 })),
})).doc

describe('camelKeys and snakeKeys', () => {
  it('convert keys at every depth, through arrays, and never values', () => {
    const doc = {
      target_feature: 'report_export',
      caps: { max_shows: 3 },
      steps: [{ label: { default: 'a_b' } }],
      user_attributes: [{ attribute: 'plan_tier', value: 'x_y' }],
    }
    const camel = camelKeys(doc)
    expect(camel).toEqual({
      targetFeature: 'report_export',
      caps: { maxShows: 3 },
      steps: [{ label: { default: 'a_b' } }],
      userAttributes: [{ attribute: 'plan_tier', value: 'x_y' }],
    })
    expect(snakeKeys(camel)).toEqual(doc)
  })

  it('read a legacy camelCase document in its snake_case form and leave a snake_case one as it is', () => {
    const legacy = { targeting: { minDaysSinceSignup: 7, breadthBelowSegmentPercentile: 25 }, conversionDays: 14 }
    const current = { targeting: { min_days_since_signup: 7, breadth_below_segment_percentile: 25 }, conversion_days: 14 }
    expect(snakeKeys(legacy)).toEqual(current)
    expect(snakeKeys(current)).toEqual(current)
  })

  it.each(['pt-BR', 'zh-Hant', 'default', '$set', 'A', 'already_snake', 'x1', 'URL'])(
    'leaves the data key %s unchanged by snakeKeys',
    (key) => {
      expect(Object.keys(snakeKeys({ [key]: 1 }))).toEqual([key])
    },
  )

  it('keeps the own keys of fields named in keep, converting their values', () => {
    const config = { profiles: { tech_touch: { max_score: 1 } } }
    expect(camelKeys(config, new Set(['profiles']))).toEqual({ profiles: { tech_touch: { maxScore: 1 } } })
    expect(camelKeys(config)).toEqual({ profiles: { techTouch: { maxScore: 1 } } })
  })

  it('round-trips any snake_case document', () => {
    fc.assert(
      fc.property(snakeDoc, (doc) => {
        expect(snakeKeys(camelKeys(doc))).toEqual(doc)
      }),
    )
  })
})
