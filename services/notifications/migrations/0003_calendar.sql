-- Invitations: the ICS file sent as a text/calendar alternative and as an attachment.
ALTER TABLE deliveries ADD COLUMN calendar text;
ALTER TABLE deliveries ADD COLUMN calendar_method text CHECK (calendar_method IN ('REQUEST', 'CANCEL'));
