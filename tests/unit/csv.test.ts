import { describe, expect, it } from 'vitest'
import { toCsv } from '../../worker/src/lib/csv'

describe('toCsv', () => {
  it('quotes what needs quoting and defuses formulas in text, not in numbers', () => {
    const csv = toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['=SUM(A1)', null], [-3, '-3']])
    expect(csv.split('\r\n')).toEqual(['a,b', '"x,y","say ""hi"""', "'=SUM(A1),", "-3,'-3", ''])
  })
})
