-- An email is unique inside its tenant only, so a user admin cannot learn or squat other
-- organisations' addresses; sign-in finds every account with the address.
DROP INDEX users_email_lower;
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, email_lower);
CREATE INDEX users_email_lower ON users (email_lower);

-- Failed sign-ins are counted per sign-in name (known or not, so both behave the same), in
-- sign_in_throttles, with a back-off that grows with each lock; the per-user columns go.
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
-- Wrong second-factor codes in a row since the last right one, kept across sessions.
ALTER TABLE users ADD COLUMN totp_failures INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sign_in_throttles (
    -- SHA-256 of the lowercased sign-in name: no address is stored.
    name_hash TEXT PRIMARY KEY,
    -- Failures since the last lock ended (or the last success).
    failures INTEGER NOT NULL,
    -- Locks in a row; each lasts twice as long as the one before, up to the longest.
    locks INTEGER NOT NULL,
    locked_until BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sign_in_throttles_updated ON sign_in_throttles (updated_at);
