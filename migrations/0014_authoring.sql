-- No-code authoring (issue 11): one-time links that open the product in authoring mode, the short-lived sessions
-- they are exchanged for, and drafts and version history of nudges and features. Only token hashes are stored.

-- A link an admin asked for: its token travels in the URL fragment and is exchanged once, within minutes.
CREATE TABLE authoring_links (
  token_hash TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  author TEXT NOT NULL,
  member_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) WITHOUT ROWID;
CREATE INDEX idx_authoring_links_project_id_created_at ON authoring_links(project_id, created_at);

-- The builder's session in the product page (sessionStorage), scoped to one project and one origin; revocable.
CREATE TABLE authoring_sessions (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  origin TEXT NOT NULL,
  author TEXT NOT NULL,
  member_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
) WITHOUT ROWID;
CREATE UNIQUE INDEX idx_authoring_sessions_token_hash ON authoring_sessions(token_hash);
CREATE INDEX idx_authoring_sessions_project_id_created_at ON authoring_sessions(project_id, created_at);

-- The one unpublished draft of a nudge or feature: what users see stays the published row until it is published.
CREATE TABLE authoring_drafts (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  object_kind TEXT NOT NULL CHECK (object_kind IN ('nudge', 'feature')),
  object_key TEXT NOT NULL,
  definition_json TEXT NOT NULL,
  author TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, object_kind, object_key)
) WITHOUT ROWID;

-- Every published state of a nudge or feature, numbered per object: who published what and when, restorable.
CREATE TABLE authoring_versions (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  object_kind TEXT NOT NULL CHECK (object_kind IN ('nudge', 'feature')),
  object_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('publish', 'restore', 'delete')),
  definition_json TEXT,
  author TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, object_kind, object_key, version)
) WITHOUT ROWID;

-- The builder's preview counts the raw `$click` events a new click rule would match: a partial index, so only click
-- rows pay for it at ingest, and a preview reads the newest clicks without walking every event of the window.
CREATE INDEX idx_events_project_id_ts_clicks ON events(project_id, ts) WHERE name = '$click';
