import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nudgeSettingsSchema } from '../../../shared/config'
import { themeValueOk } from '../../../shared/theme'

describe('nudge theme values', () => {
  it.each([
    ['accent', '#e91e63'],
    ['accent', '#FFF'],
    ['bg', '#0008'],
    ['fg', 'rgb(31, 36, 48)'],
    ['fg', 'rgb(0 0 0 / 50%)'],
    ['bgDark', 'hsla(220, 15%, 15%, .9)'],
    ['fgDark', 'hsl(120deg 50% 50%)'],
    ['accent', 'rebeccapurple'],
    ['radius', '4px'],
    ['radius', '0.5rem'],
    ['radius', '0'],
    ['font', 'Inter, sans-serif'],
    ['font', '"Helvetica Neue", Arial, system-ui'],
  ])('accepts %s %s', (key, value) => {
    expect(themeValueOk(key, value)).toBe(true)
  })

  it.each([
    ['accent', 'url(//evil.example/x.png)'],
    ['bg', 'image-set("//evil.example/x.png" 1x)'],
    ['accent', 'red; background: url(x)'],
    ['accent', 'var(--x)'],
    ['accent', 'rgb(url(x))'],
    ['accent', '#12345'],
    ['accent', 'r\\65 d'],
    ['fg', 'red /* x */'],
    ['radius', '4'],
    ['radius', 'calc(1px + url(x))'],
    ['radius', '10vw'],
    ['font', 'Inter, url(//evil.example/f.woff)'],
    ['font', "local('x')"],
    ['font', 'Inter;'],
    ['font', ''],
    ['accent', 42],
    ['constructor', 'red'],
    ['__proto__', 'red'],
    ['shadow', 'red'],
  ])('refuses %s %s', (key, value) => {
    expect(themeValueOk(key, value)).toBe(false)
  })

  it('never accepts a value that could fetch, escape or add a declaration', () => {
    const chars = fc.constantFrom(...'url(image-set)src;{}\\/*"\' ,.#%0123456789abcdefrgbhsl:@<>'.split(''))
    fc.assert(
      fc.property(
        fc.constantFrom('accent', 'bg', 'fg', 'radius', 'font', 'bgDark', 'fgDark'),
        fc.array(chars, { maxLength: 40 }).map((a) => a.join('')),
        (key, value) => {
          if (!themeValueOk(key, value)) return
          expect(value.toLowerCase()).not.toMatch(/url\(|image-set\(|src\(|[;{}\\<>@:]|\/\*/)
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('is refused by the settings schema with a hint of what each key takes', () => {
    const res = nudgeSettingsSchema.safeParse({ theme: { accent: 'url(//evil.example/x.png)', radius: '4px' } })
    expect(res.success).toBe(false)
    expect(res.error?.issues[0]).toMatchObject({ path: ['theme', 'accent'], message: expect.stringContaining('a colour') })
    expect(nudgeSettingsSchema.parse({ theme: { accent: '#e91e63', radius: '4px', font: 'Inter, sans-serif' } }).theme).toEqual({
      accent: '#e91e63',
      radius: '4px',
      font: 'Inter, sans-serif',
    })
  })
})
