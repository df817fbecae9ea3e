/**
 * RFC 4180 CSV that is safe to open in a spreadsheet: text cells starting with = + - @ tab or CR are
 * prefixed with ' so they are never run as formulas (OWASP CSV injection), and any cell holding a
 * separator a locale may use (`,` or `;`, or a tab), a quote or a line break is quoted, so `Acme;=1+1`
 * stays one text cell where `;` separates columns.
 */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",;\t\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
