import type { ApiKey } from '../projects'
import { identitySecrets } from '../projects'
import { cachedProjectSettings } from '../projects'
import { unverifiedNudgeEvents } from '../projects'
import type { EventRow } from './normalize'

export const UNVERIFIED = 'nudge interaction without a valid userHash (identity verification is required)'

/**
 * What the caller's key may change beyond the events themselves. A secret (admin) key, as a vendor's
 * backend uses, sets the protected account attributes with `group` (applied when the consumer writes);
 * under required identity verification, nudge interactions sent with the public write key must carry a
 * valid user hash, else they are refused.
 */
export async function checkTrust(db: D1Database, key: ApiKey, rows: EventRow[], now: number) {
  const trusted = key.kind === 'admin'
  const needed = !trusted && rows.some((r) => r.name?.startsWith('$nudge_'))
  // the isolate's 10 s settings cache, as the decision route reads it: a widget sends nudge events on every interaction
  const settings = needed ? await cachedProjectSettings(db, key.projectId, now) : null
  const secrets = !trusted && settings?.identity.verification === 'required' ? await identitySecrets(db, key.projectId, now) : null
  return { trusted, refused: await unverifiedNudgeEvents(rows, secrets) }
}
