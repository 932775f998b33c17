-- Staff's requests for more information and the applicant's answers, one row per request, so that the
-- applicant's page shows the open question and the staff page each question beside its answer.
CREATE TABLE information_requests (
    id              uuid        PRIMARY KEY,
    application_id  uuid        NOT NULL REFERENCES applications (id),
    question        text        NOT NULL,
    asked_by        text        NOT NULL,
    asked_at        timestamptz NOT NULL,
    respond_by      timestamptz NOT NULL,
    answer          text,
    answered_at     timestamptz,
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
CREATE INDEX information_requests_of_application ON information_requests (application_id, asked_at);
