/**
 * The ingest wire format: the Segment HTTP Tracking API spec (https://segment.com/docs/connections/spec/),
 * bounded on every field. The widget imports only the types from here so zod never enters its bundle.
 */
import { z } from 'zod'
import { CLICK_EVENT } from './event-names'
import { elementPathViolation, freeFormViolation } from './limits'

/** Segment limits: 32 KB per event, 500 KB per batch, in UTF-8 bytes. */
export const MAX_EVENT_BYTES = 32 * 1024
export const MAX_BATCH_BYTES = 500 * 1024
export const MAX_BATCH_EVENTS = 500

const id = z.string().trim().min(1).max(200)
const timestamp = z.union([z.iso.datetime({ offset: true }), z.iso.date()])
/** Rejects a free-form object past FREE_FORM_LIMITS (depth, keys, items, string length). */
const boundedFreeForm = (value: unknown, ctx: z.RefinementCtx) => {
  const why = freeFormViolation(value)
  if (why) ctx.addIssue({ code: 'custom', message: why })
}
/** Free-form maps (traits, properties, integrations): bounded in shape here and in bytes per event. */
const bag = z.record(z.string().max(200), z.unknown()).superRefine(boundedFreeForm)

export const eventContextSchema = z
  .object({
    app: z
      .object({ version: z.string().max(64).optional(), name: z.string().max(200).optional() })
      .loose()
      .optional(),
    groupId: id.optional(),
    page: z
      .object({
        path: z.string().max(2000).optional(),
        url: z.string().max(4000).optional(),
        title: z.string().max(500).optional(),
        referrer: z.string().max(4000).optional(),
        search: z.string().max(2000).optional(),
      })
      .loose()
      .optional(),
    library: z
      .object({ name: z.string().max(100), version: z.string().max(64) })
      .loose()
      .optional(),
    userAgent: z.string().max(1000).optional(),
    locale: z.string().max(35).optional(),
    sessionId: z.string().max(100).optional(),
  })
  .loose()
  .superRefine(boundedFreeForm)

const common = {
  messageId: z.string().trim().min(1).max(100).optional(),
  timestamp: timestamp.optional(),
  originalTimestamp: timestamp.optional(),
  sentAt: timestamp.optional(),
  userId: id.nullish(),
  anonymousId: id.nullish(),
  context: eventContextSchema.optional(),
  integrations: bag.optional(),
}

const withIdentity = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ ...common, ...shape }).refine((e: { userId?: unknown; anonymousId?: unknown }) => e.userId != null || e.anonymousId != null, {
    message: 'userId or anonymousId is required',
    path: ['userId'],
  })

export const identifyEventSchema = withIdentity({ type: z.literal('identify'), traits: bag.optional() })
export const trackEventSchema = withIdentity({
  type: z.literal('track'),
  event: z.string().trim().min(1).max(200),
  properties: bag.optional(),
}).superRefine((e, ctx) => {
  // the server matches every stored click path against each click rule (capture/selector-path.ts)
  const selector = e.properties?.selector
  if (e.event !== CLICK_EVENT || selector === undefined) return
  const why = typeof selector === 'string' ? elementPathViolation(selector) : 'element path must be a string'
  if (why) ctx.addIssue({ code: 'custom', message: why, path: ['properties', 'selector'] })
})
export const pageEventSchema = withIdentity({
  type: z.literal('page'),
  name: z.string().max(200).nullish(),
  category: z.string().max(200).nullish(),
  properties: bag.optional(),
})
export const screenEventSchema = withIdentity({
  type: z.literal('screen'),
  name: z.string().max(200).nullish(),
  properties: bag.optional(),
})
export const groupEventSchema = withIdentity({ type: z.literal('group'), groupId: id, traits: bag.optional() })
/** Stored as sent; Uptake does not merge the two identities. */
export const aliasEventSchema = withIdentity({ type: z.literal('alias'), previousId: id })

export const eventSchema = z.discriminatedUnion('type', [
  identifyEventSchema,
  trackEventSchema,
  pageEventSchema,
  screenEventSchema,
  groupEventSchema,
  aliasEventSchema,
])

export type IdentifyEvent = z.infer<typeof identifyEventSchema>
export type TrackEvent = z.infer<typeof trackEventSchema>
export type PageEvent = z.infer<typeof pageEventSchema>
export type GroupEvent = z.infer<typeof groupEventSchema>
export type UptakeEvent = z.infer<typeof eventSchema>
export type EventType = UptakeEvent['type']
export type EventContext = z.infer<typeof eventContextSchema>

/** The batch envelope; events are validated one by one so one bad event never loses the others. */
export const batchEnvelopeSchema = z.object({
  batch: z.array(z.unknown()).min(1).max(MAX_BATCH_EVENTS),
  writeKey: z.string().max(200).optional(),
  sentAt: timestamp.optional(),
  context: eventContextSchema.optional(),
})
export type BatchEnvelope = z.infer<typeof batchEnvelopeSchema>

export * from './event-names'
export * from './limits'
