-- The delivery log: one row per (event_id, recipient, template), the idempotency key of an email.
CREATE TABLE deliveries (
    id               bigserial PRIMARY KEY,
    event_id         uuid        NOT NULL,
    recipient        text        NOT NULL,
    template         text        NOT NULL,
    event_type       text        NOT NULL,
    essential        boolean     NOT NULL,
    language         text        NOT NULL,
    message_id       text        NOT NULL,
    subject          text        NOT NULL,
    body_text        text        NOT NULL,
    body_html        text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'retrying', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    last_error       text,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- while 'sending', the row belongs to one worker until this time (then it is retried)
    lease_until      timestamptz,
    correlation_id   text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (event_id, recipient, template)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying', 'sending');
