-- CS console: team members with their own keys, alerts worked as a queue, and notes on accounts.

-- A person on the vendor's CS team. The account attribute `owner` names a member by email (or id), so
-- "my accounts" and "my alerts" mean something. Removing a member revokes their keys (api_keys.member_id).
CREATE TABLE members (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  removed_at INTEGER,
  PRIMARY KEY (project_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX idx_members_project_id_email ON members(project_id, email);

-- A read or admin key may belong to a member: the key says who is signed in and who wrote a note.
ALTER TABLE api_keys ADD COLUMN member_id TEXT;
CREATE INDEX idx_api_keys_project_id_member_id ON api_keys(project_id, member_id);

-- Alerts as a work queue: open → snoozed (until a time, then open again) → done; an owner may be assigned.
ALTER TABLE account_alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'snoozed', 'done'));
ALTER TABLE account_alerts ADD COLUMN owner TEXT;
ALTER TABLE account_alerts ADD COLUMN snoozed_until INTEGER;
ALTER TABLE account_alerts ADD COLUMN done_at INTEGER;
ALTER TABLE account_alerts ADD COLUMN updated_at INTEGER;
CREATE INDEX idx_account_alerts_project_id_status ON account_alerts(project_id, status);
CREATE INDEX idx_account_alerts_project_id_account_id ON account_alerts(project_id, account_id);

-- Notes a CS person writes on an account (optionally about one alert); the author is the member whose key wrote it.
CREATE TABLE account_notes (
  id INTEGER PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  alert_id INTEGER REFERENCES account_alerts(id) ON DELETE SET NULL,
  author_member_id TEXT,
  author_label TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX idx_account_notes_project_id_account_id_created_at ON account_notes(project_id, account_id, created_at);
