CREATE TABLE customers (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    provider_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    reseller_tenant_id TEXT REFERENCES tenants (id),
    company_name TEXT NOT NULL,
    company_name_lower TEXT NOT NULL,
    domain_prefix TEXT NOT NULL,
    domain TEXT NOT NULL,
    billing_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    culture TEXT NOT NULL,
    language TEXT NOT NULL,
    address_line1 TEXT NOT NULL,
    address_line2 TEXT NOT NULL,
    city TEXT NOT NULL,
    state TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    country TEXT NOT NULL,
    billing_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_domain_prefix ON customers (domain_prefix);
CREATE INDEX customers_provider ON customers (provider_tenant_id, company_name_lower, tenant_id);
CREATE INDEX customers_reseller ON customers (reseller_tenant_id, company_name_lower, tenant_id);

-- A partner's reseller relationship with a customer, with or without delegated admin access.
CREATE TABLE customer_relationships (
    partner_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    customer_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    delegated_admin BOOLEAN NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'removed')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (partner_tenant_id, customer_tenant_id)
);
CREATE INDEX customer_relationships_customer ON customer_relationships (customer_tenant_id);
