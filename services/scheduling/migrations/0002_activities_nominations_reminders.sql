-- Signed-up cities (may nominate), activities with their timetable, nominations and the durable
-- reminder schedule. Times are timestamptz (UTC); `timezone` is the venue's IANA zone.

CREATE TABLE city_members (
    city_id       uuid PRIMARY KEY,
    name          text        NOT NULL,
    country       char(2)     NOT NULL,
    role          text        NOT NULL CHECK (role IN ('coordinator', 'partner', 'associated')),
    languages     text[]      NOT NULL,
    timezone      text        NOT NULL,
    focal_point   jsonb       NOT NULL,
    deputy        jsonb,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE activities (
    id                   uuid PRIMARY KEY,
    kind                 text        NOT NULL,
    titles               jsonb       NOT NULL,
    status               text        NOT NULL CHECK (status IN ('tentative', 'planned', 'confirmed', 'cancelled', 'done')),
    tentative_note       text,
    host_city            text        NOT NULL,
    country              char(2)     NOT NULL,
    venue_name           text        NOT NULL,
    venue_address        text        NOT NULL,
    timezone             text        NOT NULL,
    starts_at            timestamptz NOT NULL,
    ends_at              timestamptz NOT NULL CHECK (ends_at > starts_at),
    working_languages    text[]      NOT NULL,
    interpretation       text[]      NOT NULL DEFAULT '{}',
    capacity             int         NOT NULL CHECK (capacity >= 1),
    city_quota           int         NOT NULL CHECK (city_quota >= 1),
    nomination_deadline  timestamptz NOT NULL,
    reminder_days        int[]       NOT NULL,
    revision             int         NOT NULL DEFAULT 1,
    seed_key             text UNIQUE,           -- the seed's stable name, so seeding twice changes nothing
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX activities_by_start ON activities (starts_at);

CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    activity_id  uuid        NOT NULL REFERENCES activities (id),
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL CHECK (ends_at > starts_at),
    room         text        NOT NULL,
    titles       jsonb       NOT NULL,
    speaker      text
);
CREATE INDEX sessions_by_activity ON sessions (activity_id, starts_at);

CREATE TABLE nominations (
    id                   uuid PRIMARY KEY,
    activity_id          uuid        NOT NULL REFERENCES activities (id),
    city_id              uuid        NOT NULL,
    city_name            text        NOT NULL,
    city_country         char(2)     NOT NULL,
    person_id            uuid        NOT NULL,
    name                 text        NOT NULL,
    email                text        NOT NULL,   -- lower-cased
    language             char(2)     NOT NULL,
    timezone             text        NOT NULL,
    rank                 text,
    accessibility_needs  text,
    status               text        NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'declined')),
    waiting_since        timestamptz NOT NULL,
    revision             int         NOT NULL DEFAULT 1,
    nominated_by         text        NOT NULL,
    attended             boolean,
    attendance_by        text,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    UNIQUE (activity_id, email)               -- one row per person and activity: a stable ICS UID
);
CREATE INDEX nominations_by_email ON nominations (email) WHERE status IN ('confirmed', 'waitlisted');

CREATE TABLE reminders (
    id             uuid PRIMARY KEY,
    nomination_id  uuid        NOT NULL REFERENCES nominations (id),
    days_before    int         NOT NULL,
    due_at         timestamptz NOT NULL,
    status         text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'cancelled')),
    sent_at        timestamptz,
    created_at     timestamptz NOT NULL
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE status = 'pending';
CREATE INDEX reminders_by_nomination ON reminders (nomination_id);
