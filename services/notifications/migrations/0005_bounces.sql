-- Mail that bounced (domain/bounces.py): every report received, by delivery status notification or
-- from a hosted mail service; a permanent bounce marks its delivery `bounced` and the address as one
-- that receives no further non-essential mail.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (
    status IN ('pending', 'sending', 'sent', 'retrying', 'failed', 'suppressed', 'held', 'digested', 'bounced'));

CREATE TABLE bounces (
    id           bigserial   PRIMARY KEY,
    delivery_id  bigint      REFERENCES deliveries (id),
    recipient    text        NOT NULL,  -- lower-cased address
    kind         text        NOT NULL CHECK (kind IN ('permanent', 'transient')),
    status       text        NOT NULL,
    diagnostic   text        NOT NULL,
    source       text        NOT NULL CHECK (source IN ('report', 'webhook')),
    received_at  timestamptz NOT NULL
);
CREATE INDEX bounces_of_delivery ON bounces (delivery_id);
CREATE INDEX bounces_of_recipient ON bounces (recipient, received_at);

CREATE TABLE bounced_addresses (
    recipient    text        PRIMARY KEY,  -- lower-cased address
    bounced_at   timestamptz NOT NULL,
    delivery_id  bigint      REFERENCES deliveries (id)
);
