-- Scoring: versioned model config per project, outcomes, latest scores and daily snapshots.

CREATE TABLE scoring_configs (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  version TEXT NOT NULL,
  config_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Every config ever applied, so score history can show where the model changed.
CREATE TABLE scoring_config_versions (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  version TEXT NOT NULL,
  config_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, version)
) WITHOUT ROWID;

CREATE TABLE account_outcomes (
  id INTEGER PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('renewed', 'churned', 'expanded', 'contracted')),
  date TEXT NOT NULL,
  amount REAL,
  created_at INTEGER NOT NULL
);
CREATE INDEX idx_account_outcomes_project_id_account_id ON account_outcomes(project_id, account_id);

CREATE TABLE account_scores (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
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
  PRIMARY KEY (project_id, account_id)
) WITHOUT ROWID;
CREATE INDEX idx_account_scores_project_id_score ON account_scores(project_id, score);

CREATE TABLE account_score_snapshots (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  day TEXT NOT NULL,
  model_version TEXT NOT NULL,
  score REAL,
  band TEXT NOT NULL CHECK (band IN ('red', 'yellow', 'green', 'insufficient_data')),
  segment TEXT,
  measures_json TEXT NOT NULL,
  flags_json TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (project_id, account_id, day)
) WITHOUT ROWID;
CREATE INDEX idx_account_score_snapshots_project_id_day ON account_score_snapshots(project_id, day);

CREATE TABLE user_scores (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  account_id TEXT,
  score REAL,
  profile TEXT NOT NULL,
  measures_json TEXT NOT NULL,
  computed_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;
CREATE INDEX idx_user_scores_project_id_account_id ON user_scores(project_id, account_id);
