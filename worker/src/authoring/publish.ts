/**
 * Drafts and publishing of nudges and features, shared by the admin API and the builder: a draft is stored apart
 * and changes nothing users see; publishing writes the live row (validated as the PUT endpoints do) and a version.
 */
import { featurePutSchema } from '../../../shared/features'
import { nudgeDefinitionSchema, type NudgeDefinition } from '../../../shared/nudges'
import type { RebuildProgressWire } from '../../../shared/api/features'
import type { Feature } from '../../../shared/features'
import { featureDefinition, findFeature, listFeatures, parseSelector, saveFeatureChange } from '../features'
import { ApiError, badRequest, notFound } from '../http/errors'
import { findNudge, nudgeResource, toNudge, unreachable, upsertNudge } from '../nudges'
import {
  findDraft,
  findVersion,
  latestVersion,
  listVersions,
  versionStatements,
  type Draft,
  type ObjectKind,
  type Version,
} from './versions-store'

const iso = (t: number) => new Date(t).toISOString()

/** The history of one nudge or feature as the API answers it. */
export interface HistoryWire {
  key: string
  published: Record<string, unknown> | null
  draft: { author: string; updated_at: string; definition: Record<string, unknown> } | null
  versions: { version: number; action: Version['action']; author: string; created_at: string; definition: Record<string, unknown> | null }[]
}

export const draftWire = (d: Draft) => ({ author: d.author, updated_at: iso(d.updatedAt), definition: d.definition })

/** What users see now: the live definition (snake_case, without its key), or null. */
export async function publishedDefinition(db: D1Database, projectId: string, kind: ObjectKind, key: string) {
  if (kind === 'nudge') {
    const n = await findNudge(db, projectId, key)
    if (!n) return null
    const { key: _key, ...definition } = nudgeResource(n)
    return definition as Record<string, unknown>
  }
  const f = await findFeature(db, projectId, key)
  return f && featureDefinition(f)
}

export async function history(db: D1Database, projectId: string, kind: ObjectKind, key: string): Promise<HistoryWire> {
  const [published, draft, versions] = await Promise.all([
    publishedDefinition(db, projectId, kind, key),
    findDraft(db, projectId, kind, key),
    listVersions(db, projectId, kind, key),
  ])
  return {
    key,
    published,
    draft: draft && draftWire(draft),
    versions: versions.map((v) => ({
      version: v.version,
      action: v.action,
      author: v.author,
      created_at: iso(v.createdAt),
      definition: v.definition,
    })),
  }
}

export interface Published {
  key: string
  version: number
  published: Record<string, unknown>
  rebuild?: RebuildProgressWire | null
}

interface PublishContext {
  db: D1Database
  /** The raw-event archive a feature's re-tagging reads. */
  archive: R2Bucket
  projectId: string
  author: string
  action: 'publish' | 'restore'
  /** Runs work after the response (a feature's re-tagging pages). */
  background: (work: Promise<unknown>) => void
}

/** Publishes a nudge definition: refused (400) when it could never show, as PUT refuses it. */
export async function publishNudge(ctx: PublishContext, key: string, definition: NudgeDefinition): Promise<Published> {
  const { db, projectId } = ctx
  const featureKeys = new Set((await listFeatures(db, projectId)).map((f) => f.key))
  const problems = unreachable(definition, featureKeys, (s) => parseSelector(s) !== null)
  if (problems.length) throw badRequest('This nudge could never show', problems)
  const nudge = toNudge(key, definition)
  const now = Date.now()
  await upsertNudge(db, projectId, nudge, now)
  const { key: _key, ...published } = nudgeResource(nudge)
  await db.batch(versionStatements(db, projectId, 'nudge', key, { action: ctx.action, definition: published, author: ctx.author, now }))
  return { key, version: await latestVersion(db, projectId, 'nudge', key), published }
}

/** Publishes a feature (re-tagging stored events when its rules or kind change). */
export async function publishFeature(ctx: PublishContext, key: string, input: unknown): Promise<Published> {
  const { db, projectId } = ctx
  const parsed = featurePutSchema.safeParse(input)
  if (!parsed.success)
    throw badRequest(
      'This feature is not valid',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    )
  const before = await findFeature(db, projectId, key)
  const after: Feature = { ...parsed.data, key }
  const published = featureDefinition(after)
  const withIt = versionStatements(db, projectId, 'feature', key, {
    action: ctx.action,
    definition: published,
    author: ctx.author,
    now: Date.now(),
  })
  const rebuild = await saveFeatureChange({ DB: db, RAW_EVENTS: ctx.archive }, projectId, key, { before, after, withIt }, ctx.background)
  return { key, version: await latestVersion(db, projectId, 'feature', key), published, rebuild }
}

/** Publishes the object's draft; 409 `no_draft` when there is none. */
export async function publishDraft(ctx: PublishContext, kind: ObjectKind, key: string): Promise<Published> {
  const draft = await findDraft(ctx.db, ctx.projectId, kind, key)
  if (!draft) throw new ApiError(409, 'no_draft', `There is no draft of ${kind} ${key} to publish`)
  return publishDefinition(ctx, kind, key, draft.definition)
}

/** Publishes a stored definition (a draft or an old version), validated again against today's rules. */
function publishDefinition(ctx: PublishContext, kind: ObjectKind, key: string, definition: Record<string, unknown>): Promise<Published> {
  if (kind === 'feature') return publishFeature(ctx, key, definition)
  const parsed = nudgeDefinitionSchema.safeParse(definition)
  if (!parsed.success)
    throw badRequest(
      'This nudge is not valid',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    )
  return publishNudge(ctx, key, parsed.data)
}

/** Publishes an earlier version again, as a new version; 404 for an unknown one, 409 for a deletion. */
export async function restoreVersion(ctx: PublishContext, kind: ObjectKind, key: string, version: number): Promise<Published> {
  const v = await findVersion(ctx.db, ctx.projectId, kind, key, version)
  if (!v) throw notFound(`No version ${version} of ${kind} ${key}`)
  if (!v.definition) throw new ApiError(409, 'nothing_to_restore', `Version ${version} of ${kind} ${key} is a deletion`)
  return publishDefinition({ ...ctx, action: 'restore' }, kind, key, v.definition)
}
