/** Compares dotted versions numerically (3.10.0 > 3.9.2); non-numeric parts compare as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.+-]/)
  const pb = b.replace(/^v/, '').split(/[.+-]/)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0'
    const y = pb[i] ?? '0'
    const nx = Number(x)
    const ny = Number(y)
    const d = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

/** Releases between `version` and the latest: how many distinct known versions are newer. */
export function releasesBehind(version: string, known: string[], latest?: string): number {
  const all = [...new Set(latest ? [...known, latest] : known)]
  return all.filter((v) => compareVersions(v, version) > 0 && (!latest || compareVersions(v, latest) <= 0)).length
}
