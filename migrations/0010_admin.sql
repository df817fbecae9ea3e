-- Admin API: idempotent outcomes, keys managed through the API, erasure by user, paged feature rebuilds.

-- An outcome is identified by (account, kind, date): keep the first of any duplicates stored before this
-- index existed, so the unique index can be built and a repeated POST answers with the stored row.
DELETE FROM account_outcomes WHERE id NOT IN (
  SELECT MIN(id) FROM account_outcomes GROUP BY project_id, account_id, kind, date
);
CREATE UNIQUE INDEX idx_account_outcomes_project_id_account_id_kind_date ON account_outcomes(project_id, account_id, kind, date);

-- Keys get a public id (to list, revoke and rotate them by) and the last 4 characters of the secret, so a
-- person can tell keys apart without the secret or its hash ever leaving the database. Keys stored before
-- this migration get a random id; their last 4 characters are unknown (NULL).
ALTER TABLE api_keys ADD COLUMN id TEXT;
ALTER TABLE api_keys ADD COLUMN last4 TEXT;
UPDATE api_keys SET id = 'key_' || lower(hex(randomblob(8))) WHERE id IS NULL;
CREATE UNIQUE INDEX idx_api_keys_id ON api_keys(id);

-- Erasure of one end user (GDPR/CCPA) and the paged feature rebuild both find a user's raw events by user.
CREATE INDEX idx_events_project_id_user_id_ts ON events(project_id, user_id, ts);

-- One re-tagging job per project after a feature's rules change: it walks the raw events in (ts, rowid)
-- order, a bounded page at a time, from the request, its waitUntil and the daily run. A new rules change
-- bumps `generation`, which restarts the walk from the start of the raw window with the new rules.
CREATE TABLE feature_rebuilds (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('running', 'done')),
  generation INTEGER NOT NULL DEFAULT 1,
  since_ts INTEGER NOT NULL,
  cursor_ts INTEGER NOT NULL,
  cursor_rowid INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0,
  retagged INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
) WITHOUT ROWID;
