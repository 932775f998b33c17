-- [2/5] the full application form, review and staged decisions, cities and contacts, audit log.
ALTER TABLE calls
    ADD COLUMN criteria            jsonb,
    ADD COLUMN opened_announced_at timestamptz,
    ADD COLUMN closed_announced_at timestamptz;

ALTER TABLE applications
    ADD COLUMN answers           jsonb,
    ADD COLUMN contact_person_id uuid,
    ADD COLUMN consent_version   text,
    ADD COLUMN consent_text      text,
    ADD COLUMN consent_at        timestamptz,
    ADD COLUMN updated_at        timestamptz,
    ADD COLUMN more_info_until   timestamptz,
    ADD COLUMN staged_decision   text,
    ADD COLUMN waitlist_position integer,
    ADD COLUMN withdrawn_at      timestamptz,
    ADD COLUMN released_at       timestamptz,
    ADD COLUMN erased_at         timestamptz,
    ALTER COLUMN contact_name  DROP NOT NULL,
    ALTER COLUMN contact_email DROP NOT NULL,
    ALTER COLUMN motivation    DROP NOT NULL,
    ADD CONSTRAINT applications_status_known CHECK (status IN
        ('submitted', 'under_review', 'more_info_requested', 'shortlisted', 'selected', 'waitlisted', 'rejected',
         'withdrawn')),
    ADD CONSTRAINT applications_staged_known CHECK (staged_decision IN ('selected', 'waitlisted', 'rejected'));

CREATE INDEX applications_by_call_status ON applications (call_slug, status);
CREATE INDEX applications_by_email ON applications (lower(contact_email));

CREATE TABLE reviews (
    application_id uuid        NOT NULL REFERENCES applications (id),
    reviewer       text        NOT NULL,
    scores         jsonb       NOT NULL,
    comment        text        NOT NULL DEFAULT '',
    reviewed_at    timestamptz NOT NULL,
    PRIMARY KEY (application_id, reviewer)
);

CREATE TABLE audit_log (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL,
    actor          text        NOT NULL,
    action         text        NOT NULL,
    subject        text        NOT NULL,
    reason         text,
    details        jsonb       NOT NULL DEFAULT '{}',
    correlation_id text
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, id);

CREATE TABLE cities (
    id             uuid PRIMARY KEY,
    name           text        NOT NULL,
    country        char(2)     NOT NULL,
    region         text,
    role           text        NOT NULL CHECK (role IN ('coordinator', 'partner', 'associated')),
    languages      text[]      NOT NULL,
    timezone       text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('pending', 'signed_up')),
    application_id uuid UNIQUE REFERENCES applications (id),
    signed_up_at   timestamptz,
    terms_version  text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX cities_one_per_name ON cities (lower(name), country);

CREATE TABLE city_contacts (
    city_id     uuid NOT NULL REFERENCES cities (id),
    person_id   uuid NOT NULL,
    designation text NOT NULL CHECK (designation IN ('focal_point', 'deputy', 'contact')),
    name        text NOT NULL,
    email       text NOT NULL,
    language    text NOT NULL,
    timezone    text NOT NULL,
    role        text,
    PRIMARY KEY (city_id, person_id)
);
CREATE UNIQUE INDEX city_contacts_one_focal_point ON city_contacts (city_id) WHERE designation = 'focal_point';
CREATE INDEX city_contacts_by_email ON city_contacts (lower(email));
