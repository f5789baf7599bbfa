CREATE TABLE partnership_invitations (
    id TEXT PRIMARY KEY,
    provider_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    token_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'revoked')),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT,
    reseller_tenant_id TEXT REFERENCES tenants (id)
);
CREATE UNIQUE INDEX partnership_invitations_token ON partnership_invitations (token_hash);
CREATE INDEX partnership_invitations_provider ON partnership_invitations (provider_tenant_id, created_at);

CREATE TABLE partnerships (
    id TEXT PRIMARY KEY,
    provider_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    reseller_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    state TEXT NOT NULL CHECK (state IN ('active', 'removed')),
    invitation_id TEXT REFERENCES partnership_invitations (id),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    removed_at BIGINT,
    removed_by TEXT
);
-- One active partnership per pair; removed ones stay for history.
CREATE UNIQUE INDEX partnerships_active_pair ON partnerships (provider_tenant_id, reseller_tenant_id) WHERE state = 'active';
CREATE INDEX partnerships_reseller ON partnerships (reseller_tenant_id, state);
