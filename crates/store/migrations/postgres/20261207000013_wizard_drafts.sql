-- The new-customer wizard keeps what was typed between its steps here, so each step has its
-- own page (GET /customers/new/{draft}/{step}) and Back and Reload are safe. A draft belongs
-- to one session and goes a day after its last change, or when its customer is created.
CREATE TABLE wizard_drafts (
id TEXT PRIMARY KEY,
session_hash TEXT NOT NULL,
fields TEXT NOT NULL,
updated_at BIGINT NOT NULL
);
CREATE INDEX wizard_drafts_updated ON wizard_drafts (updated_at);
