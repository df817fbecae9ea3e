import { describe, expect, it } from 'vitest'
import { ADOPTION } from '../../../shared/constants'
import { accountFeatureStates, featureState } from '../../../worker/src/scoring/feature-states'

describe('featureState: the adoption rule (adopted = used on ≥ 3 days in 30)', () => {
  it('names the four states', () => {
    expect(featureState(null, 0)).toBe('never_tried')
    expect(featureState('2026-01-02', 0)).toBe('lapsed')
    expect(featureState('2026-01-02', 1)).toBe('tried')
    expect(featureState('2026-01-02', ADOPTION.minDays - 1)).toBe('tried')
    expect(featureState('2026-01-02', ADOPTION.minDays)).toBe('adopted')
    expect(ADOPTION).toEqual({ minDays: 3, windowDays: 30 })
  })

  it('counts days to first use from the account’s first day, and none for an unknown account', () => {
    const use = {
      key: 'f',
      name: 'F',
      core: true,
      firstDay: '2026-01-05',
      lastDay: '2026-01-20',
      uses: 9,
      daysInWindow: 4,
      usersInWindow: 2,
    }
    expect(accountFeatureStates([use], '2026-01-01')[0]).toMatchObject({
      state: 'adopted',
      daysToFirstUse: 4,
      firstUsed: '2026-01-05',
      usersInWindow: 2,
    })
    expect(accountFeatureStates([use], null)[0].daysToFirstUse).toBeNull()
    expect(accountFeatureStates([{ ...use, firstDay: null, lastDay: null, daysInWindow: 0 }], '2026-01-01')[0]).toMatchObject({
      state: 'never_tried',
      daysToFirstUse: null,
    })
  })
})
