CREATE TABLE calls (
    slug         text PRIMARY KEY,
    title        jsonb       NOT NULL,
    description  jsonb       NOT NULL,
    opens_at     timestamptz NOT NULL,
    closes_at    timestamptz NOT NULL CHECK (closes_at > opens_at),
    timezone     text        NOT NULL DEFAULT 'Europe/Brussels',
    quota        integer     NOT NULL DEFAULT 11 CHECK (quota > 0),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE applications (
    id             uuid PRIMARY KEY,
    call_slug      text        NOT NULL REFERENCES calls (slug),
    city           text        NOT NULL,
    country        char(2)     NOT NULL,
    contact_name   text        NOT NULL,
    contact_email  text        NOT NULL,
    language       char(2)     NOT NULL,
    motivation     text        NOT NULL,
    status         text        NOT NULL,
    submitted_at   timestamptz NOT NULL,
    correlation_id text        NOT NULL
);
-- One application per city and country in a call (the city name compared case-insensitively).
CREATE UNIQUE INDEX applications_one_per_city ON applications (call_slug, lower(city), country);
