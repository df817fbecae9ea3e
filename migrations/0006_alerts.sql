-- CS alerts raised by the daily run (SCORING §11), with their webhook delivery state.
CREATE TABLE account_alerts (
  id INTEGER PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('band_changed', 'score_drop', 'persistent_red', 'indicator_fired', 'opportunity', 'renewal_risk')),
  alert_key TEXT NOT NULL,
  reason TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  delivery_error TEXT
);
CREATE INDEX idx_account_alerts_project_id_created_at ON account_alerts(project_id, created_at);
CREATE INDEX idx_account_alerts_project_id_alert_key ON account_alerts(project_id, alert_key);
