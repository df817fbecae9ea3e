import { describe, expect, it } from 'vitest'
import { pastDateProblem } from '../../../worker/src/lib/days'

describe('pastDateProblem', () => {
  const noon = Date.parse('2026-03-10T12:00:00Z')

  it.each([
    ['2026-03-10', null],
    ['2026-03-11', null], // already today in UTC+14 at 12:00 UTC
    ['2000-01-01', null],
  ])('accepts %s', (date, problem) => {
    expect(pastDateProblem(date, noon)).toBe(problem)
  })

  it.each([
    ['2026-03-12', /future/],
    ['2030-01-01', /future/],
    ['1999-12-31', /on or after 2000-01-01/],
  ])('refuses %s', (date, problem) => {
    expect(pastDateProblem(date, noon)).toMatch(problem)
  })

  it('accepts tomorrow (UTC) only once it is today somewhere', () => {
    expect(pastDateProblem('2026-03-11', Date.parse('2026-03-10T09:59:00Z'))).toMatch(/future/)
    expect(pastDateProblem('2026-03-11', Date.parse('2026-03-10T10:00:00Z'))).toBeNull()
  })
})
