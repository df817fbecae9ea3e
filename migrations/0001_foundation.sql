-- Foundation: projects, keys, the people and accounts they send, raw events and the daily rollups.
-- Rollups are maintained by triggers so they change in the same transaction as the raw insert,
-- and only when the raw row was really inserted (INSERT OR IGNORE on a duplicate messageId fires nothing).

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
);

CREATE TABLE users (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  account_id TEXT,
  traits_json TEXT NOT NULL DEFAULT '{}',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
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
  properties_json TEXT NOT NULL DEFAULT '{}',
  context_json TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (project_id, message_id)
);
CREATE INDEX idx_events_project_id_ts ON events(project_id, ts);
CREATE INDEX idx_events_project_id_account_id_ts ON events(project_id, account_id, ts);
CREATE INDEX idx_events_project_id_name_ts ON events(project_id, name, ts);

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
);
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
);
CREATE INDEX idx_user_days_project_id_account_id_day ON user_days(project_id, account_id, day);
CREATE INDEX idx_user_days_project_id_day ON user_days(project_id, day);

CREATE TRIGGER trg_events_rollup_user_event_days AFTER INSERT ON events
WHEN NEW.user_id IS NOT NULL AND NEW.name IS NOT NULL
BEGIN
  INSERT INTO user_event_days (project_id, user_id, name, day, account_id, n, amount)
  VALUES (NEW.project_id, NEW.user_id, NEW.name, date(NEW.ts / 1000, 'unixepoch'), NEW.account_id, 1, COALESCE(NEW.amount, 0))
  ON CONFLICT (project_id, user_id, name, day) DO UPDATE SET
    n = n + 1,
    amount = amount + excluded.amount,
    account_id = COALESCE(excluded.account_id, account_id);
END;

CREATE TRIGGER trg_events_rollup_user_days AFTER INSERT ON events
WHEN NEW.user_id IS NOT NULL
BEGIN
  INSERT INTO user_days (project_id, user_id, day, account_id, events, meaningful, logins, value_events, value_amount, active_seconds, app_version)
  VALUES (
    NEW.project_id, NEW.user_id, date(NEW.ts / 1000, 'unixepoch'), NEW.account_id, 1,
    NEW.meaningful, NEW.kind = 'login', NEW.kind = 'value',
    CASE WHEN NEW.kind = 'value' THEN COALESCE(NEW.amount, 0) ELSE 0 END,
    NEW.active_seconds, NEW.app_version)
  ON CONFLICT (project_id, user_id, day) DO UPDATE SET
    events = events + 1,
    meaningful = meaningful + excluded.meaningful,
    logins = logins + excluded.logins,
    value_events = value_events + excluded.value_events,
    value_amount = value_amount + excluded.value_amount,
    active_seconds = active_seconds + excluded.active_seconds,
    account_id = COALESCE(excluded.account_id, account_id),
    app_version = COALESCE(excluded.app_version, app_version);
END;
