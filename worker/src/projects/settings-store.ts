import { isolateCache, type IsolateCache } from '../lib/isolate-cache'
import { readStoredSettings, settingsFromBody, settingsToBody, type ProjectSettings } from './settings'

/** The project's settings (defaults for what was never set); a legacy or bloated stored row is rewritten once. */
export async function loadProjectSettings(db: D1Database, projectId: string): Promise<ProjectSettings> {
  const raw = await db.prepare('SELECT settings_json FROM projects WHERE id = ?1').bind(projectId).first<string>('settings_json')
  const { settings, rewrite } = settingsFromStored(raw)
  if (rewrite) await saveProjectSettings(db, projectId, settings)
  return settings
}

/** The settings from the stored `settings_json`; `rewrite` when the row is legacy or bloated (loadProjectSettings rewrites it). */
export function settingsFromStored(raw: string | null): { settings: ProjectSettings; rewrite: boolean } {
  const { settings, rewrite } = readStoredSettings(raw)
  return { settings: settingsFromBody(settings), rewrite }
}

const cache = isolateCache<ProjectSettings>(10_000)
/** The cache `cachedProjectSettings` reads through; the nudge decision peeks at it and fills it from its one statement. */
export const projectSettingsCache: IsolateCache<ProjectSettings> = cache

/** The settings as hot paths (the nudge decision) read them: at most every 10 s per isolate; never mutate the result. */
export function cachedProjectSettings(db: D1Database, projectId: string, now = Date.now()): Promise<ProjectSettings> {
  return cache.get(projectId, () => loadProjectSettings(db, projectId), now)
}

/** Stores the settings as their snake_case document, the same as the admin API's. */
export async function saveProjectSettings(db: D1Database, projectId: string, settings: ProjectSettings): Promise<void> {
  await db
    .prepare('UPDATE projects SET settings_json = ?2 WHERE id = ?1')
    .bind(projectId, JSON.stringify(settingsToBody(settings)))
    .run()
  cache.forget(projectId)
}
