-- Staff accounts, emailed one-time sign-in links, sessions; the audit log says from where.
CREATE TABLE staff_accounts (
    id         uuid PRIMARY KEY,
    email      text        NOT NULL,
    name       text        NOT NULL,
    role       text        NOT NULL CHECK (role IN ('admin', 'reviewer')),
    language   text        NOT NULL,
    timezone   text        NOT NULL,
    active     boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX staff_accounts_by_email ON staff_accounts (lower(email));

-- Only the SHA-256 of a link's random token is kept: a copy of this table signs nobody in.
CREATE TABLE sign_in_links (
    token_sha256 text PRIMARY KEY,
    person_kind  text        NOT NULL CHECK (person_kind IN ('staff')),
    person_id    uuid        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
CREATE INDEX sign_in_links_by_person ON sign_in_links (person_id, created_at);

CREATE TABLE sessions (
    id             uuid PRIMARY KEY,
    person_kind    text        NOT NULL CHECK (person_kind IN ('staff')),
    person_id      uuid        NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    ended_at       timestamptz,
    client_address text
);
CREATE INDEX sessions_by_person ON sessions (person_id) WHERE ended_at IS NULL;

ALTER TABLE audit_log ADD COLUMN client_address text;
