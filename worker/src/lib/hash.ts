/** Hex digits of bytes: the one hex encoder for digests, signatures, ETags and secrets. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return [...(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** SHA-256 of a UTF-8 string, as hex (https://developer.mozilla.org/docs/Web/API/SubtleCrypto/digest). */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
}

/** HMAC-SHA256 of a UTF-8 message with a UTF-8 secret, as hex. */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return toHex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message)))
}

/** `n` random bytes as hex (a secret, an id). */
export const randomHex = (n: number): string => toHex(crypto.getRandomValues(new Uint8Array(n)))
