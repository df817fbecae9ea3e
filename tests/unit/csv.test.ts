import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { csvCell, toCsv } from '../../worker/src/lib/csv'

/** Splits one CSV line the way a spreadsheet does with `sep` as the column separator (RFC 4180 quoting). */
function splitLine(line: string, sep: string): string[] {
  const cells: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') ((cur += '"'), i++)
      else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"') quoted = true
    else if (ch === sep) (cells.push(cur), (cur = ''))
    else cur += ch
  }
  cells.push(cur)
  return cells
}

describe('toCsv', () => {
  it('quotes what needs quoting and defuses formulas in text, not in numbers', () => {
    const csv = toCsv(
      ['a', 'b'],
      [
        ['x,y', 'say "hi"'],
        ['=SUM(A1)', null],
        [-3, '-3'],
      ],
    )
    expect(csv.split('\r\n')).toEqual(['a,b', '"x,y","say ""hi"""', "'=SUM(A1),", "-3,'-3", ''])
  })

  it.each([
    ['Acme;=1+1', '"Acme;=1+1"'],
    ['a\tb', '"a\tb"'],
    ['\t=1+1', `"'\t=1+1"`],
    ['\r=1+1', `"'\r=1+1"`],
    ['+1', "'+1"],
    ['@SUM(1)', "'@SUM(1)"],
    ['line\nbreak', '"line\nbreak"'],
    ['plain', 'plain'],
  ])('writes %j as %j', (input, cell) => {
    expect(csvCell(input)).toBe(cell)
  })

  it('keeps a name with ; as one text cell when a spreadsheet splits columns on ;', () => {
    const line = toCsv(['id', 'name'], [['acme', 'Acme;=1+1']]).split('\r\n')[1]
    expect(line.replace(/,/g, ';')).toBe('acme;"Acme;=1+1"')
    expect(splitLine(line.replace(/^acme,/, 'acme;'), ';')).toEqual(['acme', 'Acme;=1+1'])
  })

  it('never lets a text cell start a formula or split, whichever separator the reader uses', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(',', ';', '\t'), (text, sep) => {
        const cells = splitLine(csvCell(text), sep)
        expect(cells).toHaveLength(1)
        expect(/^[=+\-@\t\r]/.test(cells[0])).toBe(false)
        expect(cells[0]).toBe(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text)
      }),
    )
  })
})
