-- External claims name an invoice or one of this platform's contracts (the same contract
-- claimed under another jurisdiction's programme is flagged like a duplicate invoice).
ALTER TABLE vch_external_claims ADD COLUMN kind TEXT NOT NULL DEFAULT 'invoice';
