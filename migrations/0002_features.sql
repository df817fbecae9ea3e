-- Features registry and the user x feature x day rollup that scoring reads.
-- rules_json holds the match rules (event name, click selector with optional path pattern, data attribute).

CREATE TABLE features (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('feature', 'value', 'login')),
  core INTEGER NOT NULL DEFAULT 0 CHECK (core IN (0, 1)),
  rules_json TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, key)
);

CREATE TABLE user_feature_days (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  feature_key TEXT NOT NULL,
  day TEXT NOT NULL,
  account_id TEXT,
  n INTEGER NOT NULL DEFAULT 0,
  amount REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, user_id, feature_key, day)
) WITHOUT ROWID;
CREATE INDEX idx_user_feature_days_project_id_account_id_day ON user_feature_days(project_id, account_id, day);
CREATE INDEX idx_user_feature_days_project_id_feature_key_day ON user_feature_days(project_id, feature_key, day);
