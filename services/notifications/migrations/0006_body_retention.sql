-- Retention of what an email said (workflows/retention.py): DELIVERY_BODY_RETENTION_DAYS after it was
-- sent, failed or suppressed its subject, bodies, calendar and event are emptied; the row, its status
-- and decision stay for the delivery log. NULL while the body is kept.
ALTER TABLE deliveries ADD COLUMN body_erased_at timestamptz;
CREATE INDEX deliveries_bodies_kept ON deliveries ((coalesce(sent_at, created_at))) WHERE body_erased_at IS NULL;
