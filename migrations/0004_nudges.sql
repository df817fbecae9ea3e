-- Nudges: definitions, each user's state with each nudge (server-kept, so it holds across tabs and devices),
-- and reports of anchors the widget could not find.

CREATE TABLE nudges (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('tooltip', 'hotspot', 'banner', 'modal', 'checklist', 'nps')),
  definition_json TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, key)
) WITHOUT ROWID;

CREATE TABLE nudge_states (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
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
  PRIMARY KEY (project_id, user_id, nudge_key)
) WITHOUT ROWID;
CREATE INDEX idx_nudge_states_project_id_nudge_key ON nudge_states(project_id, nudge_key);

CREATE TABLE nudge_anchor_reports (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  nudge_key TEXT NOT NULL,
  path TEXT NOT NULL,
  selector TEXT NOT NULL,
  reports INTEGER NOT NULL DEFAULT 0,
  last_reported_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, nudge_key, path)
) WITHOUT ROWID;
