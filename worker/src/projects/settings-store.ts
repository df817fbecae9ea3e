import { readStoredSettings, settingsFromBody, settingsToBody, type ProjectSettings } from './settings'

/** The project's settings (defaults for what was never set); a legacy or bloated stored row is rewritten once. */
export async function loadProjectSettings(db: D1Database, projectId: string): Promise<ProjectSettings> {
  const raw = await db.prepare('SELECT settings_json FROM projects WHERE id = ?1').bind(projectId).first<string>('settings_json')
  const { settings, rewrite } = readStoredSettings(raw)
  const domain = settingsFromBody(settings)
  if (rewrite) await saveProjectSettings(db, projectId, domain)
  return domain
}

/** Stores the settings as their snake_case document, the same as the admin API's. */
export async function saveProjectSettings(db: D1Database, projectId: string, settings: ProjectSettings): Promise<void> {
  await db
    .prepare('UPDATE projects SET settings_json = ?2 WHERE id = ?1')
    .bind(projectId, JSON.stringify(settingsToBody(settings)))
    .run()
}
