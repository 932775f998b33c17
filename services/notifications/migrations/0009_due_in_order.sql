-- The delivery worker claims the due rows in (next_attempt_at, id) order, LIMIT 100: with the order in
-- the index, a claim reads the first rows instead of sorting every pending row (the whole backlog of a
-- deadline burst) each time.
CREATE INDEX IF NOT EXISTS deliveries_due_in_order ON deliveries (next_attempt_at, id)
    WHERE status IN ('pending', 'retrying', 'sending');
DROP INDEX IF EXISTS deliveries_due;
