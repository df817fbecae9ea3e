import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../../worker/src/index'
import type { IngestMessage } from '../../worker/src/ingest/messages'
import { MAX_ATTEMPTS, retryDelaySeconds } from '../../worker/src/ingest/queue'
import { ingestCounts } from '../../worker/src/ingest/status-store'
import { api, archivedEvents, newProject, track, type TestProject } from './fixtures'
import { recordingQueue } from './queue-fixtures'

const INGEST = 'uptake-ingest'
const DLQ = 'uptake-ingest-dlq'

/** The worker's env in queue mode: INGEST_DIRECT unset, the producer recorded. */
function queueEnv() {
  const recorder = recordingQueue<IngestMessage>()
  return { recorder, env: { ...env, INGEST_DIRECT: undefined, INGEST_QUEUE: recorder.queue } as typeof env }
}

function fetchWorker(workerEnv: typeof env, path: string, init: RequestInit) {
  const ctx = createExecutionContext()
  return worker.fetch!(new Request(`http://uptake.test${path}`, init) as Request<unknown, IncomingRequestCfProperties>, workerEnv, ctx)
}

const postBatch = (workerEnv: typeof env, p: TestProject, batch: unknown[]) =>
  fetchWorker(workerEnv, '/v1/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ writeKey: p.writeKey, batch }),
  })

let delivery = 0
const message = (body: unknown, attempts = 1) => ({ id: `msg-${++delivery}-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body })

/** Delivers one batch to the worker's queue handler; answers what was acked and retried, and each retry's delay. */
async function deliver(queue: string, messages: ReturnType<typeof message>[], workerEnv: typeof env = env) {
  const batch = createMessageBatch(queue, messages)
  // getQueueResult records which messages were retried but not the delay asked for: noted here
  const delays: Record<string, number | undefined> = {}
  for (const m of batch.messages) {
    const retry = m.retry.bind(m)
    Object.assign(m, { retry: (o?: QueueRetryOptions) => ((delays[m.id] = o?.delaySeconds), retry(o)) })
  }
  const ctx = createExecutionContext()
  await worker.queue(batch as MessageBatch<unknown>, workerEnv)
  return { ...(await getQueueResult(batch, ctx)), delays }
}

const rolled = (p: TestProject, name: string) =>
  env.DB.prepare('SELECT COALESCE(SUM(n), 0) AS n FROM user_event_days WHERE project_id = ?1 AND name = ?2')
    .bind(p.id, name)
    .first<number>('n')
const keys = (p: TestProject) => env.DB.prepare('SELECT COUNT(*) AS n FROM event_ids WHERE project_id = ?1').bind(p.id).first<number>('n')
const deadLetters = (projectId: string | null) =>
  env.DB.prepare('SELECT * FROM ingest_dead_letters WHERE project_id IS ?1 ORDER BY failed_at')
    .bind(projectId)
    .all<{ id: string; queue_message_id: string; events: number; attempts: number; error: string; status: string; body_json: string }>()
    .then((r) => r.results)

describe('ingest through the queue', () => {
  it('answers queued with nothing in D1 yet, then the consumer stores each event exactly once and acks', async () => {
    const p = await newProject('queue')
    const { recorder, env: qEnv } = queueEnv()
    const res = await postBatch(qEnv, p, [track('u1', 'Report Exported'), track('u2', 'Report Exported'), track('u1', 'Invoice Sent')])
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ success: true, accepted: 3, duplicates: 0, queued: true })
    expect(recorder.sent).toHaveLength(1)
    expect(recorder.sent[0]).toMatchObject({ v: 1, projectId: p.id, trusted: false })
    expect(recorder.sent[0].rows).toHaveLength(3)
    // accepted, not written: the consumer writes
    expect(await keys(p)).toBe(0)
    expect(await rolled(p, 'Report Exported')).toBe(0)
    expect(await archivedEvents(p.id)).toEqual([])

    const delivered = message(recorder.sent[0])
    const result = await deliver(INGEST, [delivered])
    expect(result.explicitAcks).toEqual([delivered.id])
    expect(result.retryMessages).toEqual([])
    expect(await keys(p)).toBe(3)
    expect(await rolled(p, 'Report Exported')).toBe(2)
    expect(await rolled(p, 'Invoice Sent')).toBe(1)
    expect((await archivedEvents(p.id)).map((e) => e.name).sort()).toEqual(['Invoice Sent', 'Report Exported', 'Report Exported'])
  })

  it('reports what is stored at GET /ingest/status, counting the dedupe keys in a bounded read', async () => {
    const p = await newProject('queue-status')
    const { recorder, env: workerEnv } = queueEnv()
    expect((await postBatch(workerEnv, p, [track('u1', 'A'), track('u1', 'B'), track('u2', 'C')])).status).toBe(200)
    const status = async () =>
      (await fetchWorker(workerEnv, '/api/v1/ingest/status', { headers: { authorization: `Bearer ${p.readKey}` } })).json<
        Record<string, unknown>
      >()
    expect(await status()).toEqual({
      mode: 'queue',
      stored_events: 0,
      stored_events_capped: false,
      dedupe_days: 8,
      dead_letters: 0,
      archive_prefix: `raw/${p.id}/`,
    })
    await deliver(INGEST, [message(recorder.sent[0])])
    expect(await status()).toMatchObject({ stored_events: 3, stored_events_capped: false })
    // past the cap the count stops and says so
    expect(await ingestCounts(env.DB, p.id, 2)).toEqual({ storedEvents: 2, storedCapped: true, deadLetters: 0 })
  })

  it('answers a refusing queue with a retryable 503 and Retry-After, storing nothing', async () => {
    const p = await newProject('queue-refused')
    const refusing = { send: () => Promise.reject(new Error('overloaded')), sendBatch: () => Promise.reject(new Error('overloaded')) }
    const workerEnv = { ...env, INGEST_DIRECT: undefined, INGEST_QUEUE: refusing as unknown as Queue } as typeof env
    const res = await postBatch(workerEnv, p, [track('u1', 'Report Exported')])
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('unavailable')
    expect(await keys(p)).toBe(0)
  })

  it('stores a message delivered twice (at least once) and a client resend in another message once', async () => {
    const p = await newProject('queue')
    const { recorder, env: qEnv } = queueEnv()
    const events = [track('u1', 'Report Exported'), track('u1', 'Report Exported')]
    await postBatch(qEnv, p, events)
    // the same message twice in one batch, then redelivered in a later batch
    const first = message(recorder.sent[0])
    const twin = { ...first, id: `${first.id}-twin` }
    const once = await deliver(INGEST, [first, twin])
    expect(once.explicitAcks.sort()).toEqual([first.id, twin.id].sort())
    const again = await deliver(INGEST, [{ ...first, attempts: 2 }])
    expect(again.explicitAcks).toEqual([first.id])
    // the client did not see the answer and sent the batch again: a new message with the same messageIds
    await postBatch(qEnv, p, events)
    expect(recorder.sent).toHaveLength(2)
    expect(recorder.sent[1].receivedAt).toBeGreaterThanOrEqual(recorder.sent[0].receivedAt)
    const resend = message(recorder.sent[1])
    expect((await deliver(INGEST, [resend])).explicitAcks).toEqual([resend.id])
    expect(await rolled(p, 'Report Exported')).toBe(2)
    expect(await keys(p)).toBe(2)
    const archived = await archivedEvents(p.id)
    expect(archived.map((e) => e.message_id).sort()).toEqual(events.map((e) => e.messageId).sort())
  })

  it('retries a failing write with a delay, and records a permanent failure as a dead letter at the last attempt', async () => {
    const p = await newProject('queue')
    const { recorder, env: qEnv } = queueEnv()
    await postBatch(qEnv, p, [track('u1', 'Report Exported')])
    const body = recorder.sent[0]
    // the project was deleted while its message waited in the queue: the write fails on the projects foreign key
    const orphan = { ...body, projectId: `${p.id}-deleted` }
    const early = message(orphan, 1)
    const r1 = await deliver(INGEST, [early])
    expect(r1.explicitAcks).toEqual([])
    expect(r1.retryMessages).toEqual([{ msgId: early.id }])
    expect(r1.delays).toEqual({ [early.id]: retryDelaySeconds(1) })
    expect(retryDelaySeconds(1)).toBe(2)
    expect(await deadLetters(orphan.projectId)).toEqual([])

    const last = message(orphan, MAX_ATTEMPTS)
    const r2 = await deliver(INGEST, [last])
    expect(r2.explicitAcks).toEqual([last.id])
    expect(r2.retryMessages).toEqual([])
    const [dead] = await deadLetters(orphan.projectId)
    expect(dead).toMatchObject({ queue_message_id: last.id, events: 1, attempts: MAX_ATTEMPTS, status: 'dead' })
    expect(dead.error).toMatch(/FOREIGN KEY/i)
    expect(JSON.parse(dead.body_json)).toEqual(orphan)
  })

  it('leaves a transient failure at the last attempt to the queue (its dead-letter queue), not acked', async () => {
    const p = await newProject('queue')
    const { recorder, env: qEnv } = queueEnv()
    await postBatch(qEnv, p, [track('u1', 'Report Exported')])
    // D1 overloaded on the write transaction: retryable, so the consumer never records it itself
    const overloaded = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'batch') return async () => Promise.reject(new Error('D1_ERROR: D1 DB is overloaded. Requests queued for too long.'))
        const v = Reflect.get(target, prop)
        return typeof v === 'function' ? v.bind(target) : v
      },
    })
    const last = message(recorder.sent[0], MAX_ATTEMPTS)
    const r = await deliver(INGEST, [last], { ...env, DB: overloaded })
    expect(r.explicitAcks).toEqual([])
    expect(r.retryMessages).toEqual([{ msgId: last.id }])
    expect(r.delays).toEqual({ [last.id]: retryDelaySeconds(MAX_ATTEMPTS) })
    expect(await deadLetters(p.id)).toEqual([])
    expect(await keys(p)).toBe(0)
  })

  it('records an unreadable message as a dead letter, acks it, and stores the rest of the batch', async () => {
    const p = await newProject('queue')
    const { recorder, env: qEnv } = queueEnv()
    await postBatch(qEnv, p, [track('u1', 'Report Exported')])
    const garbage = message({ v: 99, rows: 'not rows' })
    const text = message('{"truncated": ')
    const good = message(recorder.sent[0])
    const r = await deliver(INGEST, [garbage, good, text])
    expect(r.explicitAcks.sort()).toEqual([garbage.id, good.id, text.id].sort())
    expect(r.retryMessages).toEqual([])
    expect(await rolled(p, 'Report Exported')).toBe(1)
    const unreadable = (await deadLetters(null)).filter((d) => [garbage.id, text.id].includes(d.queue_message_id))
    expect(unreadable).toHaveLength(2)
    expect(unreadable.every((d) => d.error.startsWith('unreadable queue message') && d.status === 'dead' && d.events === 0)).toBe(true)
    expect(JSON.parse(unreadable.find((d) => d.queue_message_id === garbage.id)!.body_json)).toEqual({ v: 99, rows: 'not rows' })
  })
})

describe('dead letters through the API', () => {
  interface ListBody {
    dead_letters: { id: string; status: string; events: number; attempts: number; error: string | null; body?: unknown }[]
    next_cursor: string | null
  }

  /** A message of `p` sent through the queue path, then failed every retry: the DLQ consumer records it. */
  async function deadLetterOf(p: TestProject, events: unknown[]) {
    const { recorder, env: qEnv } = queueEnv()
    await postBatch(qEnv, p, events)
    const dlq = message(recorder.sent[0], MAX_ATTEMPTS)
    const r = await deliver(DLQ, [dlq])
    expect(r.ackAll).toBe(true)
    return { body: recorder.sent[0], queueMessageId: dlq.id }
  }

  it('lists what the DLQ consumer recorded (newest first, no body), replays it once however often, and hides it from other projects', async () => {
    const p = await newProject('dlq')
    const events = [track('u1', 'Report Exported'), track('u2', 'Report Exported')]
    await deadLetterOf(p, events)
    const listed = await api('/ingest/dead-letters', p.readKey)
    expect(listed.status).toBe(200)
    const list = await listed.json<ListBody>()
    expect(list.next_cursor).toBeNull()
    expect(list.dead_letters).toHaveLength(1)
    const [dead] = list.dead_letters
    expect(dead).toMatchObject({ status: 'dead', events: 2, attempts: MAX_ATTEMPTS, error: `failed ${MAX_ATTEMPTS} deliveries` })
    expect(dead).not.toHaveProperty('body')
    const one = await (await api(`/ingest/dead-letters/${dead.id}`, p.readKey)).json<{ body: IngestMessage }>()
    expect(one.body.rows.map((r) => r.messageId)).toEqual(events.map((e) => e.messageId))
    expect(await rolled(p, 'Report Exported')).toBe(0)

    // another project's keys see nothing of it
    const other = await newProject('dlq-other')
    expect((await (await api('/ingest/dead-letters', other.readKey)).json<ListBody>()).dead_letters).toEqual([])
    expect((await api(`/ingest/dead-letters/${dead.id}`, other.readKey)).status).toBe(404)
    expect((await api(`/ingest/dead-letters/${dead.id}/replay`, other.adminKey, { method: 'POST' })).status).toBe(404)
    // a read key may not replay
    expect((await api(`/ingest/dead-letters/${dead.id}/replay`, p.readKey, { method: 'POST' })).status).toBe(403)

    const replay = await api(`/ingest/dead-letters/${dead.id}/replay`, p.adminKey, { method: 'POST' })
    expect(replay.status).toBe(200)
    expect(await replay.json()).toEqual({ id: dead.id, status: 'replayed', events: 2, queued: false, inserted: 2, duplicates: 0 })
    const twice = await api(`/ingest/dead-letters/${dead.id}/replay`, p.adminKey, { method: 'POST' })
    expect(await twice.json()).toMatchObject({ inserted: 0, duplicates: 2 })
    expect(await rolled(p, 'Report Exported')).toBe(2)
    expect(await keys(p)).toBe(2)
    const after = await (await api('/ingest/dead-letters?status=replayed', p.readKey)).json<ListBody>()
    expect(after.dead_letters.map((d) => [d.id, d.status])).toEqual([[dead.id, 'replayed']])
    expect((await (await api('/ingest/dead-letters?status=dead', p.readKey)).json<ListBody>()).dead_letters).toEqual([])
  })

  it('replays through the queue when the deployment has one', async () => {
    const p = await newProject('dlq')
    const { body } = await deadLetterOf(p, [track('u1', 'Report Exported')])
    const [dead] = (await (await api('/ingest/dead-letters', p.readKey)).json<ListBody>()).dead_letters
    const { recorder, env: qEnv } = queueEnv()
    const res = await fetchWorker(qEnv, `/api/v1/ingest/dead-letters/${dead.id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.adminKey}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'replayed', queued: true, inserted: null })
    expect(recorder.sent).toEqual([body])
    // nothing written until the consumer takes it
    expect(await rolled(p, 'Report Exported')).toBe(0)
    await deliver(INGEST, [message(recorder.sent[0])])
    expect(await rolled(p, 'Report Exported')).toBe(1)
  })

  it('answers 409 not_replayable for a stored body the writer cannot read, and leaves it dead', async () => {
    const p = await newProject('dlq')
    const id = crypto.randomUUID()
    // a body from another message version, recorded under the project before this one could read it
    await env.DB.prepare(
      `INSERT INTO ingest_dead_letters (id, project_id, queue_message_id, events, body_json, attempts, error, status, failed_at)
       VALUES (?1, ?2, ?3, 1, ?4, 6, 'failed 6 deliveries', 'dead', ?5)`,
    )
      .bind(id, p.id, `q-${id}`, JSON.stringify({ v: 2, projectId: p.id, events: [] }), Date.now())
      .run()
    const res = await api(`/ingest/dead-letters/${id}/replay`, p.adminKey, { method: 'POST' })
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ error: { code: 'not_replayable' } })
    const [dead] = (await (await api('/ingest/dead-letters', p.readKey)).json<ListBody>()).dead_letters
    expect(dead).toMatchObject({ id, status: 'dead' })
  })

  it('pages newest first with a cursor and refuses a malformed one', async () => {
    const p = await newProject('dlq')
    for (let i = 0; i < 3; i++) await deadLetterOf(p, [track(`u${i}`, 'Report Exported')])
    const page1 = await (await api('/ingest/dead-letters?limit=2', p.readKey)).json<ListBody>()
    expect(page1.dead_letters).toHaveLength(2)
    expect(page1.next_cursor).not.toBeNull()
    const page2 = await (await api(`/ingest/dead-letters?limit=2&cursor=${page1.next_cursor}`, p.readKey)).json<ListBody>()
    expect(page2.dead_letters).toHaveLength(1)
    expect(page2.next_cursor).toBeNull()
    const ids = [...page1.dead_letters, ...page2.dead_letters].map((d) => d.id)
    expect(new Set(ids).size).toBe(3)
    const { results } = await env.DB.prepare('SELECT id FROM ingest_dead_letters WHERE project_id = ?1 ORDER BY failed_at DESC, id DESC')
      .bind(p.id)
      .all<{ id: string }>()
    expect(ids).toEqual(results.map((r) => r.id))
    expect((await api('/ingest/dead-letters?cursor=nope', p.readKey)).status).toBe(400)
    expect((await api('/ingest/dead-letters?limit=101', p.readKey)).status).toBe(400)
  })
})
