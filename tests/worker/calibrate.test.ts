import { beforeAll, describe, expect, it } from 'vitest'
import { riskBands } from '../../shared/scoring'
import { DEFAULT_CONFIG } from '../../worker/src/scoring/defaults'
import { api, basic, newProject, post, type TestProject } from './fixtures'

/** POST /api/v1/scoring/calibrate's refusals and bounds, and how config history records manual and risk-curve configs. */
const DAY = 86_400_000
const ago = (d: number) => new Date(Date.now() - d * DAY + 3600_000).toISOString()
const dayAgo = (d: number) => new Date(Date.now() - d * DAY).toISOString().slice(0, 10)
let p: TestProject

beforeAll(async () => {
  p = await newProject('calibrate')
  expect(
    (
      await api('/features/f1', p.adminKey, {
        method: 'PUT',
        body: JSON.stringify({ name: 'F1', kind: 'feature', core: true, rules: [{ match: 'event', event: 'F1 Used' }] }),
      })
    ).status,
  ).toBe(201)
  const events: Record<string, unknown>[] = []
  for (let i = 0; i < 12; i++)
    for (let d = 70; d >= (i < 4 ? 50 : 2); d -= 2)
      events.push({
        type: 'track',
        messageId: `a${i}-${d}`,
        userId: `u${i}`,
        event: 'F1 Used',
        timestamp: ago(d),
        context: { groupId: `a${i}` },
      })
  expect((await post('/v1/import', { batch: events }, basic(p.adminKey))).status).toBe(200)
  for (let i = 0; i < 12; i++)
    expect(
      (
        await api(`/accounts/a${i}/outcomes`, p.adminKey, {
          method: 'POST',
          body: JSON.stringify({ kind: i < 4 ? 'churned' : 'renewed', date: dayAgo(1) }),
        })
      ).status,
    ).toBe(201)
})

describe('POST /api/v1/scoring/calibrate', () => {
  it('refuses with too few outcomes, saying how many more churned and renewed accounts it needs', async () => {
    const res = await api('/scoring/calibrate', p.adminKey, { method: 'POST', body: JSON.stringify({ days_before: 30 }) })
    expect(res.status).toBe(422)
    const body = await res.json<{ error: { code: string; message: string; details: unknown } }>()
    expect(body.error).toMatchObject({
      code: 'too_few_outcomes',
      details: { churned: 4, renewed: 8, needed: { churned: 26, renewed: 22 }, days_before: 30 },
    })
    expect(body.error.message).toMatch(/record 26 more churned and 22 more renewed\.$/)
  })

  it('counts only accounts it could score as of days_before: before they were first seen none is', async () => {
    const res = await api('/scoring/calibrate', p.adminKey, { method: 'POST', body: JSON.stringify({ days_before: 80 }) })
    expect(res.status).toBe(422)
    expect((await res.json<{ error: { details: unknown } }>()).error.details).toMatchObject({ churned: 0, renewed: 0, not_yet_seen: 12 })
  })

  it('bounds its body and is for admin keys only', async () => {
    for (const body of [{ folds: 11 }, { folds: 2 }, { days_before: 400 }, { l2: 0 }, { l2: 1e5 }, { seed: 3 }])
      expect((await api('/scoring/calibrate', p.adminKey, { method: 'POST', body: JSON.stringify(body) })).status).toBe(400)
    expect((await api('/scoring/calibrate', p.readKey, { method: 'POST', body: '{}' })).status).toBe(403)
  })

  it('writes nothing when it refuses: the config and its history are unchanged', async () => {
    expect((await (await api('/scoring/config', p.readKey)).json<{ version: string }>()).version).toBe('default-1')
    expect((await (await api('/scoring/versions', p.readKey)).json<{ versions: unknown[] }>()).versions).toEqual([])
  })
})

describe('config history and the risk curve', () => {
  const risk = { intercept: 1.9, per_point: -0.06, red_at: 0.41, yellow_at: 0.21 }
  const withRisk = {
    ...DEFAULT_CONFIG,
    profiles: {
      ...DEFAULT_CONFIG.profiles,
      default: { ...DEFAULT_CONFIG.profiles.default, risk, bands: { ...DEFAULT_CONFIG.profiles.default.bands, ...riskBands(risk) } },
    },
  }

  it('refuses a risk curve whose bands are not the cut-offs it implies, and names them', async () => {
    const bad = {
      ...withRisk,
      profiles: { ...withRisk.profiles, default: { ...withRisk.profiles.default, bands: { red: 40, green: 70, hysteresis: 5 } } },
    }
    const res = await api('/scoring/config', p.adminKey, { method: 'PUT', body: JSON.stringify(bad) })
    expect(res.status).toBe(400)
    expect(JSON.stringify(await res.json())).toContain('bands.red must be 37.8')
  })

  it('records a config an admin wrote as manual, and a risk curve states the band rule on every account', async () => {
    const res = await api('/scoring/config', p.adminKey, { method: 'PUT', body: JSON.stringify(withRisk) })
    expect(res.status).toBe(200)
    const saved = await res.json<{ version: string; source: string; calibration: unknown }>()
    expect(saved).toMatchObject({ source: 'manual', calibration: null })
    const versions = await (await api('/scoring/versions', p.readKey)).json<{ versions: unknown[] }>()
    expect(versions.versions).toEqual([
      { version: saved.version, created_at: expect.any(String), current: true, source: 'manual', calibration: null },
    ])
    expect((await api('/scoring/run', p.adminKey, { method: 'POST', body: '{}' })).status).toBe(200)
    const a = await (
      await api('/health/accounts/a5', p.readKey)
    ).json<{ score: number; band: string; predicted_risk: number; band_rule: string }>()
    expect(a.band_rule).toBe(
      'red: predicted churn risk ≥ 41% (score < 37.8); yellow: 21%–41% (score 37.8–53.8); green: < 21% (score ≥ 53.8)',
    )
    expect(a.predicted_risk).toBeCloseTo(1 / (1 + Math.exp(-(risk.intercept + risk.per_point * a.score))), 4)
  })

  it('without a risk curve the account states its score cut-offs and no predicted risk', async () => {
    const q = await newProject('calibrate-default')
    await post(
      '/v1/import',
      { batch: [{ type: 'track', messageId: 'x1', userId: 'u', event: 'Go', timestamp: ago(1), context: { groupId: 'acme' } }] },
      basic(q.adminKey),
    )
    expect((await api('/scoring/run', q.adminKey, { method: 'POST', body: '{}' })).status).toBe(200)
    const a = await (await api('/health/accounts/acme', q.readKey)).json<{ predicted_risk: number | null; band_rule: string }>()
    expect(a).toMatchObject({
      predicted_risk: null,
      band_rule: 'red: score < 40; yellow: 40–70; green: score ≥ 70 (score cut-offs, no fitted churn risk)',
    })
  })
})
