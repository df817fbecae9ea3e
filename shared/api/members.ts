/**
 * The team contract (CS API, snake_case): who is signed in (GET /me) and the project's CS team members, each with
 * their own read or admin keys. The account attribute `owner` names a member by email or id.
 */
import { z } from '@hono/zod-openapi'
import { createdKeySchema, keyKindSchema } from './projects'

const AT = '2026-05-04T10:00:00.000Z'
const isoTime = z.iso.datetime()

const MEMBER = {
  id: 'mem_3f9a1c0d5e7b2a64',
  name: 'Dana',
  email: 'dana@ledgerly.test',
  created_at: AT,
  removed_at: null,
  active_keys: 1,
} as const

export const memberSchema = z
  .object({
    id: z.string().openapi({ description: 'Public id (`mem_…`)' }),
    name: z.string(),
    email: z.string().openapi({ description: 'Lower case; unique in the project' }),
    created_at: isoTime,
    removed_at: isoTime.nullable().openapi({ description: 'When the member was removed (their keys were revoked then)' }),
    active_keys: z.number().int().openapi({ description: 'Keys of the member not revoked' }),
  })
  .openapi('Member', { example: MEMBER })

export const memberListSchema = z.object({ members: z.array(memberSchema) }).openapi('MemberList', { example: { members: [MEMBER] } })

export const memberResultSchema = z.object({ member: memberSchema }).openapi('MemberResult', { example: { member: MEMBER } })

const name = z.string().trim().min(1).max(200)
const email = z
  .email()
  .max(320)
  .transform((e) => e.toLowerCase())

export const newMemberBodySchema = z
  .strictObject({ name, email })
  .openapi('NewMember', { example: { name: 'Dana', email: 'dana@ledgerly.test' } })

export const memberPatchBodySchema = z
  .strictObject({ name: name.optional(), email: email.optional() })
  .refine((b) => b.name !== undefined || b.email !== undefined, 'Send name or email')
  .openapi('MemberPatch', { example: { name: 'Dana Scully' } })

export const memberIdParams = z.object({
  id: z
    .string()
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, example: MEMBER.id }),
})

export const newMemberKeyBodySchema = z
  .strictObject({
    kind: z.enum(['read', 'admin']).openapi({ description: 'A member key is a secret key: `read` or `admin`' }),
    label: z.string().trim().min(1).max(100).optional().openapi({ description: 'Default: `<name>’s <kind> key`' }),
  })
  .openapi('NewMemberKey', { example: { kind: 'read' } })

export const memberKeySchema = createdKeySchema

export const removedMemberSchema = z
  .object({
    member: memberSchema,
    revoked_keys: z.number().int().openapi({ description: 'Keys of the member revoked now' }),
    revocation_delay_seconds: z.number().int().openapi({ description: 'Seconds a revoked key may still work in other isolates' }),
  })
  .openapi('RemovedMember', {
    example: { member: { ...MEMBER, removed_at: AT, active_keys: 0 }, revoked_keys: 1, revocation_delay_seconds: 30 },
  })

export const meSchema = z
  .object({
    project_id: z.string(),
    key: z.object({ id: z.string().nullable(), kind: keyKindSchema, label: z.string() }),
    member: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable().openapi({ description: 'Null for a project key' }),
  })
  .openapi('Me', {
    example: {
      project_id: 'demo',
      key: { id: 'key_3f9a1c0d5e7b2a64', kind: 'read', label: 'Dana’s read key' },
      member: { id: MEMBER.id, name: 'Dana', email: MEMBER.email },
    },
  })
