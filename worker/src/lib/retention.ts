/** Raw events are kept this long; rollups are kept for good (SCORING.md §13, D1 size cap). */
export const RAW_RETENTION_DAYS = 90
