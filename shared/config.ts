/** Project capture settings (admin API) and the widget config derived from them (GET /v1/config). */
import { z } from 'zod'
import type { FeatureRule } from './features'
import { THEME_HINTS, themeValueOk, type ThemeKey } from './theme'

/** Query parameters stripped from captured URLs unless the project configures its own list. */
export const DEFAULT_STRIPPED_PARAMS = ['token', 'access_token', 'code', 'password', 'email', 'key', 'secret', 'session', 'auth']

export const captureSettingsSchema = z.object({
  sessionTimeoutMinutes: z.number().int().min(1).max(24 * 60).default(30),
  stripQueryParams: z.array(z.string().min(1).max(100)).max(50).default(DEFAULT_STRIPPED_PARAMS),
  respectDoNotTrack: z.boolean().default(false),
  requireConsent: z.boolean().default(false),
  captureClicks: z.boolean().default(true),
})
export type CaptureSettings = z.output<typeof captureSettingsSchema>

/** A theme value of one kind (shared/theme.ts): colours, lengths and font lists only, never a url(). */
const themeValue = (key: ThemeKey) => z.string().max(200).refine((v) => themeValueOk(key, v), THEME_HINTS[key])

/** Frequency caps across all nudges (docs/scoring.md §17: at most one new nudge per session by default). */
export const nudgeSettingsSchema = z.object({
  maxPerSession: z.number().int().min(0).max(20).default(1),
  maxPerWeek: z.number().int().min(0).max(100).default(3),
  /** Nudge theme; pages can also set the same CSS custom properties (--uptake-accent…) themselves. */
  theme: z
    .object({ accent: themeValue('accent'), bg: themeValue('bg'), fg: themeValue('fg'), radius: themeValue('radius'), font: themeValue('font'), bgDark: themeValue('bgDark'), fgDark: themeValue('fgDark') })
    .partial()
    .default({}),
})

/** Where CS alerts go: a webhook signed with HMAC-SHA256 of the body (header X-Uptake-Signature). */
export const alertSettingsSchema = z.object({
  webhookUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  secret: z.string().min(16).max(200).optional(),
  cooldownDays: z.number().int().min(0).max(90).default(7),
})

/** Account attributes only admins and secret-key backends set (docs/scoring.md §14, trust boundaries). */
export const DEFAULT_PROTECTED_ATTRIBUTES = ['arr', 'seats', 'employees', 'tier', 'renewal_date', 'owner', 'nps', 'parent_id']

/** Which account trait names a public write key may not set: scoring reads them from admin attributes only. */
export const attributeSettingsSchema = z.object({
  protected: z.array(z.string().regex(/^[A-Za-z0-9_.$-]{1,64}$/)).max(100).default(DEFAULT_PROTECTED_ATTRIBUTES),
})

/** Identity verification: with `required`, GET /v1/nudges and nudge interactions need user_hash = HMAC-SHA256(secret, userId). */
export const identitySettingsSchema = z.object({
  verification: z.enum(['off', 'required']).default('off'),
})

export const projectSettingsSchema = z
  .object({
    capture: captureSettingsSchema.default(captureSettingsSchema.parse({})),
    nudges: nudgeSettingsSchema.default(nudgeSettingsSchema.parse({})),
    alerts: alertSettingsSchema.default(alertSettingsSchema.parse({})),
    attributes: attributeSettingsSchema.default(attributeSettingsSchema.parse({})),
    identity: identitySettingsSchema.default(identitySettingsSchema.parse({})),
  })
export type ProjectSettings = z.output<typeof projectSettingsSchema>

/** A feature as the widget needs it: only client-side rules (click selectors and data attributes). */
export interface ConfigFeature {
  key: string
  name: string
  rules: Extract<FeatureRule, { match: 'click' | 'attribute' }>[]
}

export interface WidgetConfig {
  features: ConfigFeature[]
  capture: CaptureSettings
  /** Whether the project has any live nudge; the widget asks for nudges only then. */
  nudges: boolean
}
