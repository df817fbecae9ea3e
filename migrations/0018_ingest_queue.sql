-- Issue 13: ingest behind a Cloudflare Queue, raw events archived to R2, exact dedupe on its own table.

-- Exact dedupe on (project, messageId): one row per accepted event, purged after DEDUPE_DAYS of receipt.
-- WITHOUT ROWID: the key is the table (one row write per event, no separate index to maintain).
CREATE TABLE event_ids (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  message_id TEXT NOT NULL,
  -- the consumer write that inserted it: that write's rollups count only its own new events
  ingest_id TEXT NOT NULL,
  received_day TEXT NOT NULL,
  PRIMARY KEY (project_id, message_id)
) WITHOUT ROWID;

-- Existing raw events keep deduping their retries for as long as they stay in the raw window.
INSERT OR IGNORE INTO event_ids (project_id, message_id, ingest_id, received_day)
  SELECT project_id, message_id, COALESCE(ingest_id, 'legacy'), date(received_at / 1000, 'unixepoch') FROM events
  WHERE received_at >= (CAST(strftime('%s', 'now') AS INTEGER) - 8 * 86400) * 1000;

-- Queue messages that failed every retry (from the dead-letter queue or the consumer's last attempt):
-- nothing the client was told is accepted is dropped without a trace; replayable through the API.
CREATE TABLE ingest_dead_letters (
  id TEXT PRIMARY KEY,
  project_id TEXT,
  queue_message_id TEXT NOT NULL,
  events INTEGER NOT NULL DEFAULT 0,
  body_json TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  status TEXT NOT NULL DEFAULT 'dead' CHECK (status IN ('dead', 'replayed')),
  failed_at INTEGER NOT NULL,
  replayed_at INTEGER,
  UNIQUE (queue_message_id)
);
CREATE INDEX idx_ingest_dead_letters_project_id_failed_at ON ingest_dead_letters(project_id, failed_at);
