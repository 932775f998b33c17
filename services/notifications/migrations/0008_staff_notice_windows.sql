-- Staff notices of one kind are coalesced per staff member (domain/coalescing.py): after one is sent,
-- the next ones within the window wait as 'coalesced' until `release_at`, then go as one email.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (
    status IN ('pending', 'sending', 'sent', 'retrying', 'failed', 'suppressed', 'held', 'digested', 'bounced',
               'coalesced'));
ALTER TABLE deliveries ADD COLUMN release_at timestamptz;
CREATE INDEX deliveries_coalesced ON deliveries (release_at) WHERE status = 'coalesced';

-- When each staff member was last sent an email of each kind (lower-cased address, template).
CREATE TABLE staff_notice_windows (
    recipient  text        NOT NULL,
    template   text        NOT NULL,
    sent_at    timestamptz NOT NULL,
    PRIMARY KEY (recipient, template)
);
