/**
 * Project settings (admin API and storage, snake_case) and the widget wire derived from them (GET /v1/config and
 * the nudge theme, camelCase).
 */
import { z } from 'zod'
import { DEFAULT_CAPTURE } from './constants'
import { THEME_HINTS, themeValueOk, type ThemeKey } from './theme'

/**
 * Capture settings as the widget reads them (GET /v1/config, camelCase wire). The admin API's snake_case
 * `capture` section below reuses these very fields, so each bound and default is written once.
 */
export const captureSettingsSchema = z.object({
  sessionTimeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(DEFAULT_CAPTURE.sessionTimeoutMinutes),
  stripQueryParams: z
    .array(z.string().min(1).max(100))
    .max(50)
    .default([...DEFAULT_CAPTURE.stripQueryParams]),
  respectDoNotTrack: z.boolean().default(DEFAULT_CAPTURE.respectDoNotTrack),
  requireConsent: z.boolean().default(DEFAULT_CAPTURE.requireConsent),
  captureClicks: z.boolean().default(DEFAULT_CAPTURE.captureClicks),
})
export type CaptureSettings = z.output<typeof captureSettingsSchema>

const capture = captureSettingsSchema.shape
/** Admin API `settings.capture` (snake_case). */
export const captureSettingsBodySchema = z.object({
  session_timeout_minutes: capture.sessionTimeoutMinutes,
  strip_query_params: capture.stripQueryParams,
  respect_do_not_track: capture.respectDoNotTrack,
  require_consent: capture.requireConsent,
  capture_clicks: capture.captureClicks,
})

/** A theme value of one kind (shared/theme.ts): colours, lengths and font lists only, never a url(). */
const themeValue = (key: ThemeKey) =>
  z
    .string()
    .max(200)
    .refine((v) => themeValueOk(key, v), THEME_HINTS[key])

/** The nudge theme as the widget reads it (GET /v1/nudges, camelCase wire). */
export const widgetThemeSchema = z
  .object({
    accent: themeValue('accent'),
    bg: themeValue('bg'),
    fg: themeValue('fg'),
    radius: themeValue('radius'),
    font: themeValue('font'),
    bgDark: themeValue('bgDark'),
    fgDark: themeValue('fgDark'),
  })
  .partial()
const theme = widgetThemeSchema.shape
/** Admin API `settings.nudges.theme` (snake_case); pages can also set the same CSS custom properties (--uptake-accent…). */
export const themeBodySchema = z.object({
  accent: theme.accent,
  bg: theme.bg,
  fg: theme.fg,
  radius: theme.radius,
  font: theme.font,
  bg_dark: theme.bgDark,
  fg_dark: theme.fgDark,
})

/** Frequency caps across all nudges (docs/scoring.md §17: at most one new nudge per session by default), and their theme. */
export const nudgeSettingsSchema = z.object({
  max_per_session: z.number().int().min(0).max(20).default(1),
  max_per_week: z.number().int().min(0).max(100).default(3),
  theme: themeBodySchema.default({}),
})

/** Where CS alerts go: a webhook signed with HMAC-SHA256 of the body (header X-Uptake-Signature), as generic JSON or for Slack. */
export const alertSettingsSchema = z.object({
  webhook_url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
  secret: z.string().min(16).max(200).optional(),
  cooldown_days: z.number().int().min(0).max(90).default(7),
  /** `generic`: Uptake's signed JSON `{ sent_at, alerts }`; `slack`: a Slack incoming-webhook message with blocks. */
  format: z.enum(['generic', 'slack']).default('generic'),
})

/** Account attributes only admins and secret-key backends set (docs/scoring.md §14, trust boundaries). */
export const DEFAULT_PROTECTED_ATTRIBUTES = ['arr', 'seats', 'employees', 'tier', 'renewal_date', 'owner', 'nps', 'parent_id']

/** Which account trait names a public write key may not set: scoring reads them from admin attributes only. */
export const attributeSettingsSchema = z.object({
  protected: z
    .array(z.string().regex(/^[A-Za-z0-9_.$-]{1,64}$/))
    .max(100)
    .default(DEFAULT_PROTECTED_ATTRIBUTES),
})

/** Identity verification: with `required`, GET /v1/nudges and nudge interactions need user_hash = HMAC-SHA256(secret, userId). */
export const identitySettingsSchema = z.object({
  verification: z.enum(['off', 'required']).default('off'),
})

/** The help launcher (off by default): a small button whose panel lists the tours and checklists a user can start, resume or restart. */
export const launcherSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  position: z.enum(['bottom-right', 'bottom-left']).default('bottom-right'),
  label: z.string().trim().min(1).max(40).default('Help'),
})

/**
 * Project settings: the admin API's body and answer (PUT/GET /api/v1/settings) and the stored `settings_json`,
 * all snake_case. Every section and field has a default, so `{}` is a complete project.
 */
export const projectSettingsSchema = z.object({
  capture: captureSettingsBodySchema.default(captureSettingsBodySchema.parse({})),
  nudges: nudgeSettingsSchema.default(nudgeSettingsSchema.parse({})),
  alerts: alertSettingsSchema.default(alertSettingsSchema.parse({})),
  attributes: attributeSettingsSchema.default(attributeSettingsSchema.parse({})),
  identity: identitySettingsSchema.default(identitySettingsSchema.parse({})),
  launcher: launcherSettingsSchema.default(launcherSettingsSchema.parse({})),
})
export type ProjectSettingsBody = z.output<typeof projectSettingsSchema>

/** The widget's config (GET /v1/config), typed from its contract; the widget imports the types only. */
export type { ConfigFeature, WidgetConfig } from './api/features'
