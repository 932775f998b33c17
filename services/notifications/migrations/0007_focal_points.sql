-- (0006 until 3 December 2026: IF NOT EXISTS, so that a database that applied it under that name is left as it is)
-- Who stands in for a focal point when their mail bounces: each city's focal point and deputy, kept from
-- registration's CitySignedUp and ContactChanged (workflows/events.py); addresses lower-cased.
CREATE TABLE IF NOT EXISTS focal_points (
    email            text PRIMARY KEY,
    city_id          uuid NOT NULL,
    city_name        text NOT NULL,
    deputy_email     text,
    deputy_name      text,
    deputy_language  text,
    deputy_timezone  text
);
CREATE INDEX IF NOT EXISTS focal_points_of_city ON focal_points (city_id);
