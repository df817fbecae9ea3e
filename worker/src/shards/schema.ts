/**
 * The state tables of one account shard, as migrations/0001–0018 leave them in the main D1 (columns, CHECKs,
 * WITHOUT ROWID, the indexes that survive 0008 and 0015), minus the REFERENCES projects(id): projects stay in
 * the control-plane D1, and SQLite enforces foreign keys in Durable Objects and D1 alike.
 * Append-only: each entry is applied once, in order (AccountShard keeps the version in shard_schema).
 */
export const SHARD_MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT,
  traits_json TEXT NOT NULL DEFAULT '{}',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  attributes_json TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (project_id, id)
) WITHOUT ROWID;

CREATE TABLE users (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  account_id TEXT,
  traits_json TEXT NOT NULL DEFAULT '{}',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
) WITHOUT ROWID;
CREATE INDEX idx_users_project_id_account_id ON users(project_id, account_id);

CREATE TABLE user_event_days (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  day TEXT NOT NULL,
  account_id TEXT,
  n INTEGER NOT NULL DEFAULT 0,
  amount REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, user_id, name, day)
) WITHOUT ROWID;
CREATE INDEX idx_user_event_days_project_id_account_id_name_day ON user_event_days(project_id, account_id, name, day);

CREATE TABLE user_days (
  project_id TEXT NOT NULL,
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

CREATE TABLE user_feature_days (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  feature_key TEXT NOT NULL,
  day TEXT NOT NULL,
  account_id TEXT,
  n INTEGER NOT NULL DEFAULT 0,
  amount REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, user_id, feature_key, day)
) WITHOUT ROWID;
CREATE INDEX idx_user_feature_days_project_id_feature_key_day ON user_feature_days(project_id, feature_key, day);
CREATE INDEX idx_user_feature_days_project_id_account_id_feature_key_day ON user_feature_days(project_id, account_id, feature_key, day);

CREATE TABLE account_scores (
  project_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  day TEXT NOT NULL,
  model_version TEXT NOT NULL,
  score REAL,
  band TEXT NOT NULL CHECK (band IN ('red', 'yellow', 'green', 'insufficient_data')),
  pending_band TEXT CHECK (pending_band IN ('red', 'yellow', 'green', 'insufficient_data')),
  pending_runs INTEGER NOT NULL DEFAULT 0,
  segment TEXT,
  profile TEXT NOT NULL,
  churn_risk INTEGER NOT NULL DEFAULT 0 CHECK (churn_risk IN (0, 1)),
  delta30 REAL,
  explanation_json TEXT NOT NULL,
  flags_json TEXT NOT NULL DEFAULT '[]',
  computed_at INTEGER NOT NULL,
  data_fresh_until INTEGER,
  pending_since TEXT,
  PRIMARY KEY (project_id, account_id)
) WITHOUT ROWID;
CREATE INDEX idx_account_scores_project_id_score ON account_scores(project_id, score);

CREATE TABLE user_scores (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  account_id TEXT,
  score REAL,
  profile TEXT NOT NULL,
  measures_json TEXT NOT NULL,
  computed_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;
CREATE INDEX idx_user_scores_project_id_account_id ON user_scores(project_id, account_id);

CREATE TABLE nudge_states (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  nudge_key TEXT NOT NULL,
  account_id TEXT,
  exposure TEXT NOT NULL CHECK (exposure IN ('shown', 'holdout')),
  shows INTEGER NOT NULL DEFAULT 0,
  first_exposed_at INTEGER NOT NULL,
  last_shown_at INTEGER,
  last_session TEXT,
  clicked_at INTEGER,
  dismissed_at INTEGER,
  snoozed_until INTEGER,
  completed_at INTEGER,
  tour_step INTEGER CHECK (tour_step IS NULL OR (tour_step >= 0 AND tour_step < 20)),
  tour_step_at INTEGER,
  tour_shown_steps INTEGER NOT NULL DEFAULT 0 CHECK (tour_shown_steps BETWEEN 0 AND 1048575),
  tour_advanced_steps INTEGER NOT NULL DEFAULT 0 CHECK (tour_advanced_steps BETWEEN 0 AND 1048575),
  tour_dismissed_steps INTEGER NOT NULL DEFAULT 0 CHECK (tour_dismissed_steps BETWEEN 0 AND 1048575),
  PRIMARY KEY (project_id, user_id, nudge_key)
) WITHOUT ROWID;
CREATE INDEX idx_nudge_states_project_id_nudge_key ON nudge_states(project_id, nudge_key);
CREATE INDEX idx_nudge_states_project_id_account_id ON nudge_states(project_id, account_id);

CREATE TABLE event_ids (
  project_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  ingest_id TEXT NOT NULL,
  received_day TEXT NOT NULL,
  PRIMARY KEY (project_id, message_id)
) WITHOUT ROWID;`,
  // 2: the state tables D1 gained in migrations 0019–0024 (user contexts, dedupe purge cursor, per-object re-tag
  // generation) and the hot system events (`$nudge_*`, `$widget_error`) of 0001/0010/0014, as the main D1 has them.
  `CREATE TABLE events (
  project_id TEXT NOT NULL,
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
CREATE INDEX idx_events_project_id_user_id_ts ON events(project_id, user_id, ts);
CREATE INDEX idx_events_project_id_ts_clicks ON events(project_id, ts) WHERE name = '$click';

CREATE TABLE user_contexts (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  account_id TEXT,
  context_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;

CREATE TABLE dedupe_purge_cursors (
  project_id TEXT PRIMARY KEY,
  after_message_id TEXT NOT NULL DEFAULT '',
  passes INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE archive_tag_versions (
  project_id TEXT NOT NULL,
  object_key TEXT NOT NULL,
  rules_generation INTEGER NOT NULL,
  PRIMARY KEY (project_id, object_key)
) WITHOUT ROWID;`,
]

/** The tables a shard holds (what a copy job moves when an account changes shard). */
export const SHARD_TABLES = [
  'accounts',
  'users',
  'user_days',
  'user_event_days',
  'user_feature_days',
  'nudge_states',
  'account_scores',
  'user_scores',
  'event_ids',
  'events',
  'user_contexts',
  'dedupe_purge_cursors',
  'archive_tag_versions',
] as const
