-- Trust boundaries and a daily job that carries on: admin-owned account attributes apart from client traits,
-- band changes confirmed by days, a lease per project so scoring runs never overlap, a visible record of
-- every run, and the per-project secret that signs user ids for identity verification.

-- Attributes only admins (PATCH, secret-key backends) and the server set: ARR, seats, tier, renewal date,
-- owner, NPS… Scoring reads these names only from here, never from client traits.
ALTER TABLE accounts ADD COLUMN attributes_json TEXT NOT NULL DEFAULT '{}';

-- Existing values of the default protected names were the only source scoring had: keep them (correctly
-- typed ones only) so scores do not move on upgrade; from now on only admins change them. Traits that are
-- not valid JSON objects are skipped rather than failing the migration.
UPDATE accounts SET attributes_json = (
  SELECT json_group_object(j.key, j.value) FROM json_each(accounts.traits_json) AS j
  WHERE (j.key IN ('arr', 'seats', 'employees', 'nps') AND j.type IN ('integer', 'real'))
     OR (j.key IN ('tier', 'renewal_date', 'owner', 'parent_id') AND j.type = 'text' AND length(j.value) <= 1000)
)
WHERE CASE WHEN json_valid(traits_json) THEN json_type(traits_json) = 'object' ELSE 0 END;

-- The day a pending band was first seen: a change is confirmed on a later day, not by a second run.
ALTER TABLE account_scores ADD COLUMN pending_since TEXT;
UPDATE account_scores SET pending_since = day WHERE pending_band IS NOT NULL;

-- One scoring run per project at a time; a lease left by a crashed run expires.
CREATE TABLE scoring_leases (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Every scoring run (daily cron, manual, backfill) with its outcome: a failing project is visible, not silent.
CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('daily', 'manual', 'backfill')),
  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
  as_of TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  error TEXT,
  summary_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_job_runs_project_id_started_at ON job_runs(project_id, started_at);

-- HMAC-SHA256 key for identity verification (user_hash = HMAC(secret, user id)). It must be readable to
-- verify, so it is stored as is; the previous one stays valid for a day after a rotation.
CREATE TABLE identity_secrets (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  rotated_at INTEGER NOT NULL
) WITHOUT ROWID;
