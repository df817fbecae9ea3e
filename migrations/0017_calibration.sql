-- Calibration (issue 12): each proposal POST /api/v1/scoring/calibrate made, keyed by the version its config would
-- get, so a PUT of exactly that config is recorded as calibrated; and where each stored config version came from.
CREATE TABLE scoring_calibrations (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  version TEXT NOT NULL,
  summary_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, version)
) WITHOUT ROWID;

ALTER TABLE scoring_config_versions ADD COLUMN source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'calibrated'));
ALTER TABLE scoring_config_versions ADD COLUMN calibration_json TEXT;
