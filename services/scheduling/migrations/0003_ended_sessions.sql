-- Sign-in sessions registration ended (event SessionsEnded): the session cookie's signature is not
-- enough here once its session ended. SQL in shared/storage/ended_sessions.py, rule in
-- shared/security/revocation.py; rows older than a cookie's lifetime are deleted as events arrive.

CREATE TABLE ended_sessions (
    person_id     uuid        NOT NULL,
    -- one of the two: a session ended by id, or every session of the person begun before ended_before
    session_id    uuid,
    ended_before  timestamptz,
    ended_at      timestamptz NOT NULL,
    CHECK ((session_id IS NULL) <> (ended_before IS NULL))
);
CREATE INDEX ended_sessions_person ON ended_sessions (person_id);
CREATE INDEX ended_sessions_age ON ended_sessions (ended_at);
