-- Customers reached through relationship requests can have several partners, so a partner's
-- customer list is read from its relationships: each carries the customer's sort key and, for
-- a provider, the indirect reseller associated with the customer through it.
ALTER TABLE customer_relationships ADD COLUMN reseller_tenant_id TEXT REFERENCES tenants (id);
ALTER TABLE customer_relationships ADD COLUMN company_name_lower TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_relationships ADD COLUMN delegated_admin_since BIGINT;
ALTER TABLE customer_relationships ADD COLUMN ended_at BIGINT;
UPDATE customer_relationships SET
    company_name_lower = (SELECT c.company_name_lower FROM customers c WHERE c.tenant_id = customer_relationships.customer_tenant_id),
    reseller_tenant_id = (SELECT c.reseller_tenant_id FROM customers c WHERE c.tenant_id = customer_relationships.customer_tenant_id
                          AND c.provider_tenant_id = customer_relationships.partner_tenant_id),
    delegated_admin_since = CASE WHEN delegated_admin THEN created_at END;
-- reseller_tenant_id last: the provider's page reads it from the index, not the table.
CREATE INDEX customer_relationships_list ON customer_relationships (partner_tenant_id, state, company_name_lower, customer_tenant_id, reseller_tenant_id);
CREATE INDEX customer_relationships_reseller_list ON customer_relationships (partner_tenant_id, reseller_tenant_id, state, company_name_lower, customer_tenant_id);

-- A provider's link asking an existing customer tenant for a reseller relationship.
CREATE TABLE relationship_requests (
    id TEXT PRIMARY KEY,
    provider_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    reseller_tenant_id TEXT REFERENCES tenants (id),
    -- The customer it was made for, when the provider named one; any customer otherwise.
    customer_tenant_id TEXT REFERENCES tenants (id),
    delegated_admin BOOLEAN NOT NULL,
    token_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'revoked')),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT,
    accepted_by_tenant_id TEXT REFERENCES tenants (id)
);
CREATE UNIQUE INDEX relationship_requests_token ON relationship_requests (token_hash);
CREATE INDEX relationship_requests_provider ON relationship_requests (provider_tenant_id, created_at);
CREATE INDEX relationship_requests_customer ON relationship_requests (customer_tenant_id, state);

-- Which customer user holds a licence of which subscription.
CREATE TABLE licence_assignments (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    customer_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, user_id)
);
CREATE INDEX licence_assignments_user ON licence_assignments (user_id);
CREATE INDEX licence_assignments_customer ON licence_assignments (customer_tenant_id);

-- A customer reads the audit records made for it by its partners.
CREATE INDEX audit_records_customer_at ON audit_records (customer_id, at, id);
