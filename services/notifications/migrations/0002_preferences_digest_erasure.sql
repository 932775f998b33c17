-- Recipients' control, staff digests and the audit trail of each decision.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (
    status IN ('pending', 'sending', 'sent', 'retrying', 'failed', 'suppressed', 'held', 'digested'));
-- why the row has its first status (essential, unsubscribed, held for the digest ...)
ALTER TABLE deliveries ADD COLUMN decision text NOT NULL DEFAULT '';
-- the envelope of the event, copied to the dead-letter topic when delivery finally fails
ALTER TABLE deliveries ADD COLUMN event jsonb;
ALTER TABLE deliveries ADD COLUMN unsubscribe_url text;
-- for digested rows: the digest email that carried them
ALTER TABLE deliveries ADD COLUMN digest_id bigint REFERENCES deliveries (id);
CREATE INDEX deliveries_recipient ON deliveries (lower(recipient), created_at);
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_held ON deliveries (recipient, created_at) WHERE status = 'held';

-- "do not send me this kind of email again" (kind = template name); essential emails ignore it
CREATE TABLE opt_outs (
    recipient   text        NOT NULL,  -- lower-cased address
    kind        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recipient, kind)
);

-- Efus staff: language, timezone, and which kinds of workflow notice go into the daily digest
CREATE TABLE staff_profiles (
    email        text PRIMARY KEY,      -- lower-cased address
    language     text NOT NULL DEFAULT 'en',
    timezone     text NOT NULL DEFAULT 'Europe/Brussels',
    digest_kinds text[] NOT NULL DEFAULT '{}',
    updated_at   timestamptz NOT NULL DEFAULT now()
);
