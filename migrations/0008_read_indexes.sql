-- Per-account reads (GET /api/v1/accounts/:id, GET /api/v1/health/accounts/:id) look up one account's rows
-- per feature and per event name. With (project_id, account_id, day) SQLite preferred a scan of the whole
-- project by primary key; leading with the account and then the feature or event name makes each lookup a
-- seek and gives GROUP BY its order. They replace the (project_id, account_id, day) indexes, which no query
-- needs any more, so ingest writes no more index rows than before.
CREATE INDEX idx_user_feature_days_project_id_account_id_feature_key_day ON user_feature_days(project_id, account_id, feature_key, day);
DROP INDEX idx_user_feature_days_project_id_account_id_day;

CREATE INDEX idx_user_event_days_project_id_account_id_name_day ON user_event_days(project_id, account_id, name, day);
DROP INDEX idx_user_event_days_project_id_account_id_day;
