-- CS console, more: an account's timeline reads its users' nudge states by account (nudge_states is keyed by user).
CREATE INDEX idx_nudge_states_project_id_account_id ON nudge_states(project_id, account_id);
