import { describe, expect, it } from 'vitest'
import { isolateCache } from '../../../worker/src/lib/isolate-cache'

describe('isolateCache', () => {
  it('loads once within its time to live, again after it', async () => {
    const cache = isolateCache<number>(1000)
    let loads = 0
    const load = async () => ++loads
    expect(await cache.get('p', load, 0)).toBe(1)
    expect(await cache.get('p', load, 999)).toBe(1)
    expect(await cache.get('p', load, 1000)).toBe(2)
  })

  it('loads again at once after forget (a write in this isolate)', async () => {
    const cache = isolateCache<number>(1000)
    let loads = 0
    await cache.get('p', async () => ++loads, 0)
    cache.forget('p')
    expect(await cache.get('p', async () => ++loads, 1)).toBe(2)
  })

  it('does not keep what a load read before a write that happened while it was under way', async () => {
    const cache = isolateCache<string>(1000)
    let release!: () => void
    const slow = cache.get('p', () => new Promise<string>((r) => (release = () => r('before the write'))), 0)
    cache.forget('p')
    release()
    expect(await slow).toBe('before the write')
    expect(await cache.get('p', async () => 'after the write', 1)).toBe('after the write')
  })

  it('keeps keys apart and stays bounded', async () => {
    const cache = isolateCache<string>(1000, 2)
    await cache.get('a', async () => 'A', 0)
    await cache.get('b', async () => 'B', 0)
    await cache.get('c', async () => 'C', 0)
    let reloaded = false
    await cache.get('a', async () => ((reloaded = true), 'A'), 1)
    expect(reloaded).toBe(true)
    expect(await cache.get('c', async () => 'other', 1)).toBe('C')
  })
})
