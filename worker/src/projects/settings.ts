/**
 * Project settings between their stored JSON and the worker's camelCase domain object. Stored and wire form are
 * the same snake_case document (shared/config.ts); rows written before 0.2 hold camelCase keys and still load.
 */
import { projectSettingsSchema, themeBodySchema, type ProjectSettingsBody } from '../../../shared/config'
import { camelKeys, snakeKeys, type CamelKeys } from '../lib/casing'

/** The settings as the worker reads them: `settings.nudges.maxPerSession`, `settings.alerts.webhookUrl`… */
export type ProjectSettings = CamelKeys<ProjectSettingsBody>

/** Stored settings this much longer than what the schema keeps hold unknown keys worth dropping. */
const STORED_SLACK_CHARS = 1024

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Drops each theme value the schema refuses (a url() an older version accepted), keeping the rest; true if any was. */
function dropBadThemeValues(settings: unknown): boolean {
  const theme = isObject(settings) && isObject(settings.nudges) ? settings.nudges.theme : undefined
  if (!isObject(theme)) return false
  const fields: Record<string, { safeParse(v: unknown): { success: boolean } }> = themeBodySchema.shape
  const bad = Object.keys(theme).filter((k) => !Object.hasOwn(fields, k) || !fields[k].safeParse(theme[k]).success)
  for (const k of bad) delete theme[k]
  return bad.length > 0
}

/**
 * The settings in a stored `settings_json` (null: none yet), and whether the row should be rewritten: it holds
 * legacy camelCase keys, a refused theme value, or a blob of unknown keys (kept before they were refused).
 */
export function readStoredSettings(raw: string | null): { settings: ProjectSettingsBody; rewrite: boolean } {
  let stored: unknown = {}
  try {
    stored = JSON.parse(raw ?? '{}')
  } catch {
    stored = null
  }
  const snake = snakeKeys(stored)
  const legacy = JSON.stringify(snake) !== JSON.stringify(stored)
  const dropped = dropBadThemeValues(snake)
  const parsed = projectSettingsSchema.safeParse(snake)
  // settings written by an older version fall back to defaults rather than break the widget
  if (!parsed.success) return { settings: projectSettingsSchema.parse({}), rewrite: false }
  const bloated = raw !== null && raw.length > JSON.stringify(parsed.data).length + STORED_SLACK_CHARS
  return { settings: parsed.data, rewrite: raw !== null && (legacy || dropped || bloated) }
}

/** The domain object of the snake_case settings (stored or sent). */
export const settingsFromBody = (body: ProjectSettingsBody): ProjectSettings => camelKeys(body)

/** The snake_case document of the settings, as stored and as the admin API answers. */
export const settingsToBody = (settings: ProjectSettings): ProjectSettingsBody => snakeKeys(settings)
