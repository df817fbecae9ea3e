-- Foundation: projects, keys, the people and accounts they send, raw events and the daily rollups.
-- Rollups are updated by ingest in the same D1 batch (one transaction) as the raw insert, aggregated per
-- request from the rows that request really inserted (ingest_id), so a duplicate messageId counts nothing.
-- Small tables keyed by their primary key are WITHOUT ROWID: one b-tree write per upsert instead of two.

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  settings_json TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);

-- Only hashes of keys are stored; the public write key is hashed too so every key is looked up one way.
CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('write', 'read', 'admin')),
  label TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX idx_api_keys_project_id ON api_keys(project_id);

CREATE TABLE accounts (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT,
  traits_json TEXT NOT NULL DEFAULT '{}',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
) WITHOUT ROWID;

CREATE TABLE users (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  account_id TEXT,
  traits_json TEXT NOT NULL DEFAULT '{}',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
) WITHOUT ROWID;
CREATE INDEX idx_users_project_id_account_id ON users(project_id, account_id);

-- kind: identify | group | page | track | login | feature | value | click | system
CREATE TABLE events (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  message_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('identify', 'group', 'track', 'page', 'screen', 'alias')),
  kind TEXT NOT NULL,
  name TEXT,
  user_id TEXT,
  anonymous_id TEXT,
  account_id TEXT,
  feature_key TEXT,
  amount REAL,
  meaningful INTEGER NOT NULL DEFAULT 0,
  active_seconds INTEGER NOT NULL DEFAULT 0,
  app_version TEXT,
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  ingest_id TEXT,
  properties_json TEXT NOT NULL DEFAULT '{}',
  context_json TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (project_id, message_id)
);
CREATE INDEX idx_events_project_id_ts ON events(project_id, ts);

-- Daily rollup per (user, event name, day): what the CS API counts.
CREATE TABLE user_event_days (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  day TEXT NOT NULL,
  account_id TEXT,
  n INTEGER NOT NULL DEFAULT 0,
  amount REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, user_id, name, day)
) WITHOUT ROWID;
CREATE INDEX idx_user_event_days_project_id_account_id_day ON user_event_days(project_id, account_id, day);

-- Daily rollup per (user, day): activity, logins, value, time in product.
CREATE TABLE user_days (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  day TEXT NOT NULL,
  account_id TEXT,
  events INTEGER NOT NULL DEFAULT 0,
  meaningful INTEGER NOT NULL DEFAULT 0,
  logins INTEGER NOT NULL DEFAULT 0,
  value_events INTEGER NOT NULL DEFAULT 0,
  value_amount REAL NOT NULL DEFAULT 0,
  active_seconds INTEGER NOT NULL DEFAULT 0,
  app_version TEXT,
  PRIMARY KEY (project_id, user_id, day)
) WITHOUT ROWID;
CREATE INDEX idx_user_days_project_id_account_id_day ON user_days(project_id, account_id, day);
CREATE INDEX idx_user_days_project_id_day ON user_days(project_id, day);
