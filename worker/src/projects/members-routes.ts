import { z } from '@hono/zod-openapi'
import {
  meSchema,
  memberIdParams,
  memberKeySchema,
  memberListSchema,
  memberPatchBodySchema,
  memberResultSchema,
  newMemberBodySchema,
  newMemberKeyBodySchema,
  removedMemberSchema,
} from '../../../shared/api/members'
import { forgetKey, KEY_CACHE_SECONDS } from '../http/auth'
import { ApiError, notFound } from '../http/errors'
import { auth, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, querySchema } from '../http/openapi'
import { newSecret } from './keys'
import { presentKey } from './keys-routes'
import { countActiveKeys, createKey, MAX_ACTIVE_KEYS, prepareKey } from './keys-store'
import { memberKeyLabel, newMemberId, type Member } from './members'
import {
  addMember,
  adminKeysBesides,
  countMembers,
  findMember,
  listMembers,
  liveKeyKinds,
  MAX_MEMBERS,
  removeMember,
  updateMember,
} from './members-store'

/**
 * CS API: who is signed in (any secret key), and the team: members with their own keys (admin key to change).
 * Removing a member revokes their keys; a removed member's key is refused even before the revocation reaches the cache.
 */
export const meRoutes = createRouter()
export const memberRoutes = createRouter()

const tags = ['members']
const noQuery = querySchema({})
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** The one wire form of a member. */
const toWire = (m: Member) => ({
  id: m.id,
  name: m.name,
  email: m.email,
  created_at: iso(m.createdAt)!,
  removed_at: iso(m.removedAt),
  active_keys: m.activeKeys,
})

meRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags,
    summary: 'The key the request was made with and the team member it belongs to',
    security: auth.read,
    request: { query: noQuery },
    responses: { 200: jsonResponse(meSchema, 'The signed-in key and member'), ...errorResponses() },
  }),
  async (c) => {
    const { projectId, keyId, kind, label, memberId } = c.var.apiKey
    const member = memberId ? await findMember(c.env.DB, projectId, memberId) : null
    return c.json(
      {
        project_id: projectId,
        key: { id: keyId, kind, label },
        member: member && member.removedAt === null ? { id: member.id, name: member.name, email: member.email } : null,
      },
      200,
    )
  },
)

memberRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags,
    summary: 'The team members, by name (removed ones with `include_removed=true`)',
    security: auth.read,
    request: { query: querySchema({ include_removed: z.enum(['true', 'false']).default('false') }) },
    responses: { 200: jsonResponse(memberListSchema, 'Members'), ...errorResponses() },
  }),
  async (c) => {
    const members = await listMembers(c.env.DB, c.var.apiKey.projectId, c.req.valid('query').include_removed === 'true')
    return c.json({ members: members.map(toWire) }, 200)
  },
)

memberRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/',
    tags,
    summary: 'Add a member (a removed member with the same email comes back, without keys)',
    security: auth.admin,
    request: { query: noQuery, body: jsonBody(newMemberBodySchema) },
    responses: { 201: jsonResponse(memberResultSchema, 'The member'), ...errorResponses(403, 409, 415) },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const body = c.req.valid('json')
    if ((await countMembers(c.env.DB, projectId)) >= MAX_MEMBERS)
      throw new ApiError(409, 'too_many_members', `A project may hold at most ${MAX_MEMBERS} members`)
    const member = await addMember(c.env.DB, projectId, { id: newMemberId(), ...body }, Date.now())
    if (!member) throw new ApiError(409, 'member_exists', `A member with email ${body.email} already exists`)
    return c.json({ member: toWire(member) }, 201)
  },
)

/** A live member of this project, else 404 (another project's member is not found either). */
async function liveMember(db: D1Database, projectId: string, id: string): Promise<Member> {
  const member = await findMember(db, projectId, id)
  if (!member || member.id !== id || member.removedAt !== null) throw notFound(`No member ${id} in this project`)
  return member
}

memberRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    summary: "Change a member's name or email",
    security: auth.admin,
    request: { params: memberIdParams, query: noQuery, body: jsonBody(memberPatchBodySchema) },
    responses: { 200: jsonResponse(memberResultSchema, 'The member'), ...errorResponses(403, 404, 409, 415) },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const { id } = c.req.valid('param')
    await liveMember(c.env.DB, projectId, id)
    const member = await updateMember(c.env.DB, projectId, id, c.req.valid('json'))
    if (member === 'conflict') throw new ApiError(409, 'member_exists', 'Another member has this email')
    if (!member) throw notFound(`No member ${id} in this project`)
    return c.json({ member: toWire(member) }, 200)
  },
)

memberRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{id}',
    tags,
    summary: 'Remove a member and revoke their keys',
    description: "409 when their keys hold the project's last active admin key.",
    security: auth.admin,
    request: { params: memberIdParams, query: noQuery },
    responses: { 200: jsonResponse(removedMemberSchema, 'The removed member'), ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const { projectId } = c.var.apiKey
    const { id } = c.req.valid('param')
    await liveMember(c.env.DB, projectId, id)
    if ((await liveKeyKinds(c.env.DB, projectId, id)).includes('admin') && (await adminKeysBesides(c.env.DB, projectId, id)) === 0)
      throw new ApiError(409, 'last_admin_key', 'This member holds the project’s last active admin key; create another admin key first')
    const revoked = await removeMember(c.env.DB, projectId, id, Date.now())
    for (const keyId of revoked) forgetKey(keyId)
    const member = (await findMember(c.env.DB, projectId, id))!
    return c.json({ member: toWire(member), revoked_keys: revoked.length, revocation_delay_seconds: KEY_CACHE_SECONDS }, 200)
  },
)

memberRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/keys',
    tags,
    summary: 'Create a read or admin key of a member; its secret is shown once',
    security: auth.admin,
    request: { params: memberIdParams, query: noQuery, body: jsonBody(newMemberKeyBodySchema) },
    responses: {
      201: jsonResponse(memberKeySchema, 'The new key and its secret (Cache-Control: no-store)'),
      ...errorResponses(403, 404, 409, 415),
    },
  }),
  async (c) => {
    const { projectId, keyId } = c.var.apiKey
    const { id } = c.req.valid('param')
    const { kind, label } = c.req.valid('json')
    const member = await liveMember(c.env.DB, projectId, id)
    if ((await countActiveKeys(c.env.DB, projectId)) >= MAX_ACTIVE_KEYS)
      throw new ApiError(409, 'too_many_keys', `A project may hold at most ${MAX_ACTIVE_KEYS} active keys; revoke one first`)
    const secret = newSecret(kind)
    const key = await createKey(
      c.env.DB,
      projectId,
      await prepareKey(secret, kind, label ?? memberKeyLabel(member, kind), member.id),
      Date.now(),
    )
    c.header('Cache-Control', 'no-store')
    return c.json({ key: presentKey(key, keyId), secret }, 201)
  },
)
