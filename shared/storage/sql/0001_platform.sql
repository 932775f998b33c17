-- Platform tables every service has in its own schema: the transactional outbox and the
-- idempotent-consumer ledger. Applied before the service's own migrations.

CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    event_id      uuid        NOT NULL UNIQUE,
    topic         text        NOT NULL,
    key           text        NOT NULL,
    event_type    text        NOT NULL,
    body          bytea       NOT NULL,
    headers       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    -- relays claim shards with advisory locks so that each key has one publisher at a time
    shard         smallint    NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (shard, id) WHERE published_at IS NULL;

CREATE TABLE processed_events (
    consumer      text        NOT NULL,
    event_id      uuid        NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
