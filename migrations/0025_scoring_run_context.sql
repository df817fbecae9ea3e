-- The scoring context a queued run started with (config, features, protected attributes), so every pass of every
-- shard scores against the same one even when someone edits a feature or the model mid-run (jobs/fanout.ts).
ALTER TABLE scoring_runs ADD COLUMN context_json TEXT;
