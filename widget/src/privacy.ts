/** Removes configured query parameters (tokens, emails…) from a URL before it is captured. */
export function stripUrl(url: string, params: string[]): string {
  if (!url || !params.length) return url
  try {
    const u = new URL(url)
    const lower = params.map((p) => p.toLowerCase())
    for (const name of [...u.searchParams.keys()]) if (lower.includes(name.toLowerCase())) u.searchParams.delete(name)
    return u.toString()
  } catch {
    return url
  }
}

/** Do-Not-Track or Global Privacy Control set by the browser (`window.doNotTrack` was IE 11's and old Safari's: neither runs ES2022). */
export function browserOptsOut(): boolean {
  const n = navigator as Navigator & { globalPrivacyControl?: boolean }
  return n.doNotTrack === '1' || !!n.globalPrivacyControl
}
