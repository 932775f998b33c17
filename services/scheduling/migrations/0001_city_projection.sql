-- Scheduling's own view of the cities it has heard of from registration's events.
-- No cross-service queries: this table is built only from events.
CREATE TABLE cities (
    city_key        text PRIMARY KEY,        -- lower(city) || '|' || country
    city            text        NOT NULL,
    country         char(2)     NOT NULL,
    status          text        NOT NULL,    -- 'applicant' now; 'associated', 'partner'... with [2/5]
    application_id  uuid,
    contact_email   text,
    language        char(2),
    first_seen_at   timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
