-- When a nomination's person was replaced by placeholders (PersonErased, or the retention job once the
-- activity ended: workflows/retention.py); NULL while the person's data is kept.
ALTER TABLE nominations ADD COLUMN erased_at timestamptz;
UPDATE nominations SET erased_at = updated_at WHERE name = '(erased)';
CREATE INDEX nominations_kept ON nominations (activity_id) WHERE erased_at IS NULL;
