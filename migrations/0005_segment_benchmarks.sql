-- Per segment and measure, the distribution of raw values across accounts, written by the daily run:
-- segment-relative thresholds (percentile within cohort) read it, with absolute anchors for small cohorts.
CREATE TABLE segment_benchmarks (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  segment TEXT NOT NULL,
  measure TEXT NOT NULL,
  n INTEGER NOT NULL,
  p25 REAL,
  p50 REAL,
  p75 REAL,
  p90 REAL,
  computed_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, segment, measure)
) WITHOUT ROWID;
