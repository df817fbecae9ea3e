/** Pure data preparation for the 90-day health history chart (uPlot) and its model-version markers. */

export interface Snapshot {
  day: string
  model_version: string
  score: number | null
  band: string
}

/** A point where the model version changed: the first day scored by the new version. */
export interface VersionChange {
  index: number
  day: string
  from: string
  to: string
}

/** Indices where `model_version` differs from the previous snapshot's (history oldest first). */
export function versionChanges(history: readonly Snapshot[]): VersionChange[] {
  const out: VersionChange[] = []
  for (let i = 1; i < history.length; i++) {
    const prev = history[i - 1].model_version
    const cur = history[i].model_version
    if (cur !== prev) out.push({ index: i, day: history[i].day, from: prev, to: cur })
  }
  return out
}

/** Unix seconds at UTC midnight of an ISO day (uPlot's time axis is in seconds). */
export function daySeconds(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000
}

/** uPlot's aligned data: x = day in seconds, y = score or null (a gap). */
export function historySeries(history: readonly Snapshot[]): [number[], (number | null)[]] {
  return [history.map((h) => daySeconds(h.day)), history.map((h) => (h.score === null ? null : h.score))]
}

/** The chart's width for a container: all of it, but at least 240 px so axes stay legible. */
export function chartWidth(containerWidth: number): number {
  return Math.max(240, Math.floor(containerWidth))
}

/** Band zones of the y axis (0–100) as [from, to, band] for drawing red/yellow/green backgrounds. */
export function bandZones(bands: { red: number; green: number }): [number, number, 'red' | 'yellow' | 'green'][] {
  return [
    [0, bands.red, 'red'],
    [bands.red, bands.green, 'yellow'],
    [bands.green, 100, 'green'],
  ]
}
