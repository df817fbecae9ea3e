import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { api, newProject, type TestProject } from './fixtures'

let p: TestProject
const putSettings = (body: unknown) => api('/settings', p.adminKey, { method: 'PUT', body: JSON.stringify(body) })

beforeAll(async () => {
  p = await newProject('theme')
})

describe('nudge theme settings', () => {
  it.each([
    ['accent', 'url(//evil.example/x.png)'],
    ['bg', 'image-set("//evil.example/x.png" 1x)'],
    ['radius', 'calc(1px + 2px)'],
    ['font', 'Inter, url(//evil.example/f.woff)'],
    ['fg', 'red /* x */'],
  ])('refuses %s = %s with a 400 naming the field', async (key, value) => {
    const res = await putSettings({ nudges: { theme: { [key]: value } } })
    expect(res.status).toBe(400)
    expect(JSON.stringify(await res.json())).toContain(key)
  })

  it('accepts colours, lengths and font lists', async () => {
    const theme = {
      accent: '#e91e63',
      bg: 'rgb(255 255 255)',
      fg: 'hsl(220, 20%, 15%)',
      radius: '0.5rem',
      font: '"Helvetica Neue", Arial, sans-serif',
      bg_dark: '#1f2229',
      fg_dark: 'white',
    }
    expect((await putSettings({ nudges: { theme } })).status).toBe(200)
    const { settings } = await (await api('/settings', p.adminKey)).json<{ settings: { nudges: { theme: Record<string, string> } } }>()
    expect(settings.nudges.theme).toEqual(theme)
  })

  it('refuses the camelCase spelling of a dark-mode colour (the API is snake_case since 0.2)', async () => {
    const res = await putSettings({ nudges: { theme: { bgDark: '#1f2229' } } })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'unknown_fields', details: { unknown: ['nudges.theme.bgDark'] } } })
  })

  it('drops a stored value an older version accepted, keeping every other setting', async () => {
    const old = {
      capture: { requireConsent: true },
      nudges: { maxPerSession: 2, theme: { accent: 'url(//evil.example/x.png)', radius: '4px' } },
    }
    await env.DB.prepare('UPDATE projects SET settings_json = ?2 WHERE id = ?1').bind(p.id, JSON.stringify(old)).run()
    const { settings } = await (
      await api('/settings', p.adminKey)
    ).json<{ settings: { capture: { require_consent: boolean }; nudges: { max_per_session: number; theme: Record<string, string> } } }>()
    expect(settings.capture.require_consent).toBe(true)
    expect(settings.nudges.max_per_session).toBe(2)
    expect(settings.nudges.theme).toEqual({ radius: '4px' })
    const config = await (
      await SELF.fetch(`http://uptake.test/v1/config?writeKey=${p.writeKey}`)
    ).json<{ capture: { requireConsent: boolean } }>()
    expect(config.capture.requireConsent).toBe(true)
  })
})
