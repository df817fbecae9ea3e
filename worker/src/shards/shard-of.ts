/**
 * The shard key shared by every slice (issue 13): an account's users, rollups, nudge state and scores live in
 * shard `shardOf(accountKey, n)`, so per-account work stays inside one shard. Pure, no I/O.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5
const FNV_PRIME = 0x01000193
const utf8 = new TextEncoder()

/** FNV-1a 32-bit of the UTF-8 bytes of `text`, unsigned (http://www.isthe.com/chongo/tech/comp/fnv/). */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS
  for (const byte of utf8.encode(text)) hash = Math.imul(hash ^ byte, FNV_PRIME)
  return hash >>> 0
}

/** The shard in [0, shards) that holds `accountKey`; `shards` is a positive integer (throws RangeError otherwise). */
export function shardOf(accountKey: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`)
  return fnv1a32(accountKey) % shards
}

/** The key `shardOf` takes: the account id, or `user:<userId>` for a user with no account (keeps them apart from accounts). */
export function shardKeyOf(accountId: string | null | undefined, userId: string): string {
  return accountId ? accountId : `user:${userId}`
}
