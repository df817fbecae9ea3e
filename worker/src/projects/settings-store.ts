import { projectSettingsSchema, type ProjectSettings } from '../../../shared/config'
import { themeValueOk } from '../../../shared/theme'

export async function loadProjectSettings(db: D1Database, projectId: string): Promise<ProjectSettings> {
  const raw = await db.prepare('SELECT settings_json FROM projects WHERE id = ?1').bind(projectId).first<string>('settings_json')
  const stored = JSON.parse(raw ?? '{}')
  // a theme value an older version accepted (a url(), say) is dropped alone, keeping the project's other settings
  const theme = stored?.nudges?.theme
  if (theme && typeof theme === 'object') for (const k of Object.keys(theme)) if (!themeValueOk(k, theme[k])) delete theme[k]
  const parsed = projectSettingsSchema.safeParse(stored)
  // settings written by an older version fall back to defaults rather than break the widget
  if (!parsed.success) return projectSettingsSchema.parse({})
  // unknown keys were kept before they were refused: a row carrying a blob is rewritten once without it
  if (raw && raw.length > JSON.stringify(parsed.data).length + STORED_SLACK_CHARS) await saveProjectSettings(db, projectId, parsed.data)
  return parsed.data
}

/** Stored settings this much longer than what the schema keeps hold unknown keys worth dropping. */
const STORED_SLACK_CHARS = 1024

export async function saveProjectSettings(db: D1Database, projectId: string, settings: ProjectSettings): Promise<void> {
  await db.prepare('UPDATE projects SET settings_json = ?2 WHERE id = ?1').bind(projectId, JSON.stringify(settings)).run()
}
