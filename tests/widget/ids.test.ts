import { afterEach, describe, expect, it, vi } from 'vitest'
import { NUDGE_EVENTS, type NudgeAction } from '../../shared/nudge-events'
import { uuid } from '../../widget/src/ids'
import { nudgeEvent } from '../../widget/src/nudge-loader'

afterEach(() => vi.unstubAllGlobals())

describe('uuid', () => {
  it('makes distinct v4 UUIDs without randomUUID (plain-http pages are not secure contexts)', () => {
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto) })
    const ids = Array.from({ length: 500 }, uuid)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })
})

describe('nudgeEvent', () => {
  it('derives exactly the event names the server expects', () => {
    for (const [action, name] of Object.entries(NUDGE_EVENTS)) expect(nudgeEvent(action as NudgeAction)).toBe(name)
  })
})
