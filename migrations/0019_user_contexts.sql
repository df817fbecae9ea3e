-- Fast nudge decisions (issue 13): what GET /v1/nudges needs about one user, precomputed as one JSON value
-- (traits, first seen, feature days in the adoption window, the account's score, band, segment, core breadth and
-- its segment's breadth cutoffs), so a decision is one primary-key read instead of four to nine. Written by
-- ingest for the users it touched and by every scoring run for all users; a missing row falls back to the rows.
CREATE TABLE user_contexts (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  account_id TEXT,
  context_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;
