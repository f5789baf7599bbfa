-- Home lists a provider's suspended subscriptions and those whose cancellation window closes
-- soon: one index range per status from the provider's subscriptions, newest last.
CREATE INDEX subscriptions_provider_status ON subscriptions (provider_tenant_id, status, created_at);

-- A customer declines a relationship request from its Partners page; accepting one closes the
-- provider's other pending requests to that customer (superseded): the state's CHECK grows.
CREATE TABLE relationship_requests_new (
id TEXT PRIMARY KEY,
provider_tenant_id TEXT NOT NULL REFERENCES tenants (id),
reseller_tenant_id TEXT REFERENCES tenants (id),
-- The customer it was made for, when the provider named one; any customer otherwise.
customer_tenant_id TEXT REFERENCES tenants (id),
delegated_admin BOOLEAN NOT NULL,
token_hash TEXT NOT NULL,
state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'revoked', 'declined', 'superseded')),
created_by TEXT NOT NULL,
created_at BIGINT NOT NULL,
expires_at BIGINT NOT NULL,
decided_at BIGINT,
decided_by TEXT,
accepted_by_tenant_id TEXT REFERENCES tenants (id)
);
INSERT INTO relationship_requests_new (id, provider_tenant_id, reseller_tenant_id, customer_tenant_id, delegated_admin,
token_hash, state, created_by, created_at, expires_at, decided_at, decided_by, accepted_by_tenant_id)
SELECT id, provider_tenant_id, reseller_tenant_id, customer_tenant_id, delegated_admin,
token_hash, state, created_by, created_at, expires_at, decided_at, decided_by, accepted_by_tenant_id
FROM relationship_requests;
DROP TABLE relationship_requests;
ALTER TABLE relationship_requests_new RENAME TO relationship_requests;
CREATE UNIQUE INDEX relationship_requests_token ON relationship_requests (token_hash);
CREATE INDEX relationship_requests_provider ON relationship_requests (provider_tenant_id, created_at);
CREATE INDEX relationship_requests_customer ON relationship_requests (customer_tenant_id, state);
