-- A selected city's sign-up is followed up (workflows/cities.py `follow_up_signups`): a reminder to its
-- focal point before the sign-up is due, staff told once it is overdue; past the due date an admin may
-- give the place to the next city on the waiting list.
ALTER TABLE cities ADD COLUMN signup_due_at timestamptz;
ALTER TABLE cities ADD COLUMN signup_reminded_at timestamptz;
ALTER TABLE cities ADD COLUMN signup_overdue_at timestamptz;
UPDATE cities SET signup_due_at = created_at + interval '60 days' WHERE status = 'pending' AND application_id IS NOT NULL;
CREATE INDEX cities_signup_pending ON cities (signup_due_at) WHERE status = 'pending';
