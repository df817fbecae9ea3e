-- Multi-step tours are a nudge kind: SQLite cannot alter a CHECK constraint, so the table is rebuilt with the same
-- columns and rows (https://www.sqlite.org/lang_altertable.html#otheralter). Nothing references nudges by foreign key.
CREATE TABLE nudges_next (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('tooltip', 'hotspot', 'banner', 'modal', 'checklist', 'nps', 'tour')),
  definition_json TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, key)
) WITHOUT ROWID;
INSERT INTO nudges_next (project_id, key, kind, definition_json, active, created_at, updated_at)
  SELECT project_id, key, kind, definition_json, active, created_at, updated_at FROM nudges;
DROP TABLE nudges;
ALTER TABLE nudges_next RENAME TO nudges;
