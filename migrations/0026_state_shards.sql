-- Sharded state (issue 13, ARCHITECTURE.md §11): a project's user-grain state (users, rollups, nudge state, user scores,
-- decision contexts, dedupe keys, hot events) lives in `state_shards` AccountShard Durable Objects, split by
-- shardOf(account). 1 = everything in this database, as before. Fixed when the project is created (a power of two).
ALTER TABLE projects ADD COLUMN state_shards INTEGER NOT NULL DEFAULT 1 CHECK (state_shards IN (1, 2, 4, 8, 16, 32, 64, 128, 256));

-- The user → account directory of a sharded project: which account's shard holds a user's state (NULL: the user has
-- no account and lives under `user:<id>`). Read by the consumer for events without a groupId and by the nudge
-- decision; written when a user is first seen and when a group() moves them. Unused when state_shards = 1.
CREATE TABLE user_directory (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  account_id TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;
