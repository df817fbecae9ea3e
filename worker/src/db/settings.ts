import { projectSettingsSchema, type ProjectSettings } from '../../../shared/config'

export async function loadProjectSettings(db: D1Database, projectId: string): Promise<ProjectSettings> {
  const raw = await db.prepare('SELECT settings_json FROM projects WHERE id = ?1').bind(projectId).first<string>('settings_json')
  const parsed = projectSettingsSchema.safeParse(JSON.parse(raw ?? '{}'))
  // settings written by an older version fall back to defaults rather than break the widget
  return parsed.success ? parsed.data : projectSettingsSchema.parse({})
}

export async function saveProjectSettings(db: D1Database, projectId: string, settings: ProjectSettings): Promise<void> {
  await db.prepare('UPDATE projects SET settings_json = ?2 WHERE id = ?1').bind(projectId, JSON.stringify(settings)).run()
}
