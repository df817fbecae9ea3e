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

describe('isolateCache filled beside another read', () => {
  it('peeks without loading: the value while fresh, undefined after', async () => {
    const cache = isolateCache<string>(1000)
    expect(cache.peek('p', 0)).toBeUndefined()
    await cache.get('p', async () => 'A', 0)
    expect(cache.peek('p', 999)).toBe('A')
    expect(cache.peek('p', 1000)).toBeUndefined()
  })

  it('keeps a put value for its time to live, but not one read before a forget', () => {
    const cache = isolateCache<string>(1000)
    cache.put('p', 'read', cache.version(), 0)
    expect(cache.peek('p', 500)).toBe('read')
    const since = cache.version()
    cache.forget('p')
    cache.put('p', 'read before the write', since, 600)
    expect(cache.peek('p', 700)).toBeUndefined()
  })
})
