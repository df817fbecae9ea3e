-- Tours: each user's current step is server-kept (it resumes after a reload and on another device), and which steps
-- they saw, went past and skipped the tour on, one bit per step (0-19), for the per-step drop-off of
-- GET /api/v1/nudges/{key}/performance. Kept on the user's nudge state, so erasure takes them with it.
ALTER TABLE nudge_states ADD COLUMN tour_step INTEGER CHECK (tour_step IS NULL OR (tour_step >= 0 AND tour_step < 20));
-- when the kept step was reported: a late retry of an older move never rewinds it
ALTER TABLE nudge_states ADD COLUMN tour_step_at INTEGER;
ALTER TABLE nudge_states ADD COLUMN tour_shown_steps INTEGER NOT NULL DEFAULT 0 CHECK (tour_shown_steps BETWEEN 0 AND 1048575);
ALTER TABLE nudge_states ADD COLUMN tour_advanced_steps INTEGER NOT NULL DEFAULT 0 CHECK (tour_advanced_steps BETWEEN 0 AND 1048575);
ALTER TABLE nudge_states ADD COLUMN tour_dismissed_steps INTEGER NOT NULL DEFAULT 0 CHECK (tour_dismissed_steps BETWEEN 0 AND 1048575);
