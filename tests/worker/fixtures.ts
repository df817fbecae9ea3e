import { env, SELF } from 'cloudflare:test'
import { readArchive } from '../../worker/src/ingest/archive-store'
import { createProject } from '../../worker/src/projects/store'

export interface TestProject {
  id: string
  writeKey: string
  readKey: string
  adminKey: string
}

let counter = 0

/** A fresh project with its own keys; storage is shared within a test file, so ids never repeat. */
export async function newProject(name = 'test'): Promise<TestProject> {
  const id = `p_${name}_${++counter}_${crypto.randomUUID().slice(0, 8)}`
  const p = { id, writeKey: `wk_${id}`, readKey: `rk_${id}`, adminKey: `sk_${id}` }
  await createProject(env.DB, { id, name }, [
    { key: p.writeKey, kind: 'write' },
    { key: p.readKey, kind: 'read' },
    { key: p.adminKey, kind: 'admin' },
  ])
  return p
}

export function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return SELF.fetch(`http://uptake.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

export function api(path: string, key: string, init: RequestInit = {}) {
  return SELF.fetch(`http://uptake.test/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  })
}

export const basic = (key: string) => ({ authorization: `Basic ${btoa(`${key}:`)}` })

export function track(userId: string, event: string, extra: Record<string, unknown> = {}) {
  return { type: 'track', messageId: crypto.randomUUID(), userId, event, timestamp: new Date().toISOString(), ...extra }
}

/** What the R2 archive holds for a project (deduplicated on message_id): raw events no longer live in D1. */
export function archivedEvents(projectId: string, day?: string) {
  return readArchive(env.RAW_EVENTS, projectId, day)
}

/** The archived event with this messageId, or undefined. */
export async function archivedEvent(projectId: string, messageId: string) {
  return (await archivedEvents(projectId)).find((e) => e.message_id === messageId)
}
