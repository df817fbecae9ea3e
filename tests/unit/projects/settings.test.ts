import { describe, expect, it } from 'vitest'
import { projectSettingsSchema } from '../../../shared/config'
import { readStoredSettings, settingsFromBody, settingsToBody } from '../../../worker/src/projects/settings'

const defaults = projectSettingsSchema.parse({})

describe('stored project settings', () => {
  it('reads nothing stored as the defaults, without a rewrite', () => {
    expect(readStoredSettings(null)).toEqual({ settings: defaults, rewrite: false })
    expect(readStoredSettings('{}')).toEqual({ settings: defaults, rewrite: false })
  })

  it('reads a row written before 0.2 (camelCase keys) and asks for it to be rewritten', () => {
    const legacy = {
      capture: { requireConsent: true, respectDoNotTrack: true, sessionTimeoutMinutes: 15 },
      nudges: { maxPerSession: 2, theme: { bgDark: '#111111' } },
      alerts: { webhookUrl: 'https://crm.example.com/h', cooldownDays: 3 },
    }
    const { settings, rewrite } = readStoredSettings(JSON.stringify(legacy))
    expect(rewrite).toBe(true)
    expect(settings.capture).toMatchObject({
      require_consent: true,
      respect_do_not_track: true,
      session_timeout_minutes: 15,
      capture_clicks: true,
    })
    expect(settings.nudges).toEqual({ max_per_session: 2, max_per_week: 3, theme: { bg_dark: '#111111' } })
    expect(settings.alerts).toEqual({ webhook_url: 'https://crm.example.com/h', cooldown_days: 3, format: 'generic' })
  })

  it('leaves a snake_case row as it is', () => {
    const stored = JSON.stringify(defaults)
    expect(readStoredSettings(stored)).toEqual({ settings: defaults, rewrite: false })
  })

  it('drops a theme value an older version accepted, alone, and asks for a rewrite', () => {
    const { settings, rewrite } = readStoredSettings(
      JSON.stringify({ nudges: { max_per_week: 9, theme: { accent: 'url(//evil.example/x.png)', radius: '4px' } } }),
    )
    expect(settings.nudges).toEqual({ max_per_session: 1, max_per_week: 9, theme: { radius: '4px' } })
    expect(rewrite).toBe(true)
  })

  it('falls back to the defaults for a row that no longer parses (never a broken widget)', () => {
    expect(readStoredSettings('{"capture":{"session_timeout_minutes":"soon"}}').settings).toEqual(defaults)
    expect(readStoredSettings('not json').settings).toEqual(defaults)
  })

  it('maps the snake_case document to the camelCase domain object and back unchanged', () => {
    const body = projectSettingsSchema.parse({
      nudges: { theme: { fg_dark: 'white' } },
      alerts: { webhook_url: 'https://x.example/h', secret: 'sixteen-chars-long' },
    })
    const domain = settingsFromBody(body)
    expect(domain.nudges.theme.fgDark).toBe('white')
    expect(domain.alerts.webhookUrl).toBe('https://x.example/h')
    expect(domain.capture.stripQueryParams).toEqual(body.capture.strip_query_params)
    expect(settingsToBody(domain)).toEqual(body)
  })
})
