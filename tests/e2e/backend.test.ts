import { Analytics } from '@segment/analytics-node'
import { describe, expect, inject, it } from 'vitest'
import { expectCount, featureUses } from './browser'

const base = inject('baseUrl')

describe('backend events from the real Segment Node client', () => {
  it('ingests value events sent by @segment/analytics-node pointed at the worker', async () => {
    const analytics = new Analytics({ writeKey: 'wk_demo', host: base, flushAt: 3, flushInterval: 200 })
    const failures: unknown[] = []
    analytics.on('error', (e) => failures.push(e))
    analytics.identify({ userId: 'backend-user-1', traits: { email: 'ops@backend.test' } })
    analytics.group({ userId: 'backend-user-1', groupId: 'backend-co', traits: { name: 'Backend Co', seats: 5 } })
    for (const amount of [100, 250, 400]) {
      analytics.track({ userId: 'backend-user-1', event: 'Invoice Created', properties: { amount }, context: { groupId: 'backend-co' } })
    }
    await analytics.closeAndFlush({ timeout: 10_000 })
    expect(failures).toEqual([])
    // 'Invoice Created' is the demo's value feature invoice.create
    await expectCount(() => featureUses(base, 'backend-co', 'invoice.create'), 3)
  })
})
