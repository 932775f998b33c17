-- The key store every service reads (one schema for all, named explicitly): one data key per person,
-- wrapped by the master key (shared.privacy.keyring). `subject` is an HMAC of the person's address, so
-- the store holds no address; erasure clears it (a later applicant with the same address gets a new
-- key) and sets erased_at; the key row is deleted for good after the grace period (crypto-shredding).
-- Applied by each service's migrations: the lock makes the first one create it, the others skip.
SELECT pg_advisory_xact_lock(hashtext('pactesur-keystore'));
CREATE SCHEMA IF NOT EXISTS keystore;
CREATE TABLE IF NOT EXISTS keystore.person_keys (
    kid         uuid PRIMARY KEY,
    subject     bytea UNIQUE,
    wrapped     text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    erased_at   timestamptz
);
CREATE INDEX IF NOT EXISTS person_keys_erased ON keystore.person_keys (erased_at) WHERE erased_at IS NOT NULL;
