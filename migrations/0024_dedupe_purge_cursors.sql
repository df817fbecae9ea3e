-- Where the dedupe-key purge (worker/src/ingest/purge-store.ts) walks next in a project's `event_ids`, in key order:
-- each queue consumer write examines a bounded window after it and deletes the expired keys there, so the purge
-- keeps pace with ingest (about one pass over the keys a day) without an index on the receipt day.
CREATE TABLE dedupe_purge_cursors (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  -- last message_id of the window examined; '' starts a new pass
  after_message_id TEXT NOT NULL DEFAULT '',
  passes INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
