CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    customer_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    provider_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    billing_cycle TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('completed', 'cancelled')),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_tenant_id, created_at);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    customer_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    provider_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    line_item_number INTEGER NOT NULL,
    offer_id TEXT NOT NULL REFERENCES offers (id),
    offer_name TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'deleted', 'expired')),
    billing_cycle TEXT NOT NULL,
    term TEXT NOT NULL,
    auto_renew BOOLEAN NOT NULL,
    reseller_tenant_id TEXT REFERENCES tenants (id),
    partner_id_on_record TEXT,
    created_at BIGINT NOT NULL,
    effective_start BIGINT NOT NULL,
    commitment_end BIGINT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_tenant_id, created_at);
CREATE INDEX subscriptions_order ON subscriptions (order_id, line_item_number);
CREATE INDEX subscriptions_reseller ON subscriptions (reseller_tenant_id, status);
