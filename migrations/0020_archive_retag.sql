-- Issue 13: re-tagging reads the R2 raw-event archive and applies rollup deltas per archive object.

-- The rules generation an archive object's events are counted under, once a re-tagging job has moved it
-- (no row: the tags written in the object's lines). Written in one batch with the delta and the job's cursor.
CREATE TABLE archive_tag_versions (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  object_key TEXT NOT NULL,
  rules_generation INTEGER NOT NULL,
  PRIMARY KEY (project_id, object_key)
) WITHOUT ROWID;

-- The features registry as it stood at each rules generation (feature_rebuilds.generation), so an object moved
-- under generation g is re-classified under g (old) and the current rules (new). Pruned when a job finishes.
CREATE TABLE feature_rule_snapshots (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  features_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, generation)
) WITHOUT ROWID;

-- The job walks archive keys: the last object done (walk) and the last object counted into `total` (count).
ALTER TABLE feature_rebuilds ADD COLUMN cursor_key TEXT;
ALTER TABLE feature_rebuilds ADD COLUMN count_key TEXT;
ALTER TABLE feature_rebuilds ADD COLUMN counted INTEGER NOT NULL DEFAULT 0 CHECK (counted IN (0, 1));
