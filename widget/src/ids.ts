/** A v4 UUID; crypto.randomUUID needs a secure context, so plain-http pages fill one from a single getRandomValues call. */
export function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(31))
  let i = 0
  return (
    crypto.randomUUID?.() ??
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ (b[i++] & (15 >> (+c / 4)))).toString(16))
  )
}
