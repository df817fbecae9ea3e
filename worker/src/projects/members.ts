/** CS team members: a person with their own read or admin keys, named by accounts' `owner` attribute. Pure. */
import { randomHex } from '../lib/hash'
import type { KeyKind } from './keys'

export interface Member {
  id: string
  name: string
  email: string
  createdAt: number
  removedAt: number | null
  activeKeys: number
}

/** A new public member id: 64 random bits. */
export const newMemberId = (): string => `mem_${randomHex(8)}`

/** The label of a member's key when none is given: whose key it is and what it may do. */
export const memberKeyLabel = (member: Pick<Member, 'name'>, kind: KeyKind): string => `${member.name.slice(0, 80)}’s ${kind} key`
