-- A large project's scoring run fanned out over the `uptake-scoring` queue (worker/src/jobs/fanout.ts): the run's
-- phase, and one row per shard and pass, so each queue message knows what is done and exactly one moves the run on.
CREATE TABLE scoring_runs (
  job_run_id INTEGER PRIMARY KEY REFERENCES job_runs(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  shards INTEGER NOT NULL CHECK (shards BETWEEN 2 AND 1024),
  phase TEXT NOT NULL CHECK (phase IN ('measure', 'score', 'contexts', 'done', 'failed')),
  -- the scoring lease the run holds across invocations (scoring_leases.holder); every message renews it
  lease_holder TEXT NOT NULL,
  model_version TEXT NOT NULL,
  list_rows_read INTEGER NOT NULL DEFAULT 0,
  -- set by the one message that sends the run's webhook
  webhook_claimed_at INTEGER,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX idx_scoring_runs_project_id_phase ON scoring_runs(project_id, phase);

CREATE TABLE scoring_run_shards (
  job_run_id INTEGER NOT NULL REFERENCES scoring_runs(job_run_id) ON DELETE CASCADE,
  pass TEXT NOT NULL CHECK (pass IN ('measure', 'score', 'contexts')),
  shard INTEGER NOT NULL CHECK (shard >= 0),
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
  -- measure rows: the shard's keys `{"a": account ids, "u": account-less user ids}`, fixed for the whole run
  keys_json TEXT,
  -- measure rows: the shard's CohortSummary (scoring/cohorts.ts)
  summary_json TEXT,
  -- score rows: the one transaction that stored the shard's alerts sets the token and the account_alerts ids it
  -- inserted, (alerts_after, alerts_upto]
  alerts_token TEXT,
  alerts_after INTEGER,
  alerts_upto INTEGER,
  accounts INTEGER,
  users INTEGER,
  rows_read INTEGER,
  rows_loaded INTEGER,
  ms INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  finished_at INTEGER,
  PRIMARY KEY (job_run_id, pass, shard)
);
