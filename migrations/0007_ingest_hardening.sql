-- Ingest hardening (issue 8). Traits stored before free-form objects were bounded (shared/limits.ts) can be
-- nested past the 1,000 levels SQLite's JSON functions read, and then every json_patch of that row failed
-- the whole batch. Such traits hold nothing usable: they restart empty and the next identify/group or
-- PATCH fills them. Ingest also merges any unreadable stored traits as {} (worker/src/db/ingest.ts).
UPDATE users SET traits_json = '{}' WHERE NOT json_valid(traits_json);
UPDATE accounts SET traits_json = '{}' WHERE NOT json_valid(traits_json);
