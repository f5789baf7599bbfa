-- Subscription changes: the designated support contact (NULL = the provider), the links an
-- upgrade makes, and the history the incentives are computed from.
ALTER TABLE subscriptions ADD COLUMN support_tenant_id TEXT REFERENCES tenants (id);
ALTER TABLE subscriptions ADD COLUMN upgraded_from TEXT REFERENCES subscriptions (id);
ALTER TABLE subscriptions ADD COLUMN upgraded_to TEXT REFERENCES subscriptions (id);

-- The state of a subscription from `at` until its next row: one row at purchase and one after
-- every change of quantity, status or reseller of record.
CREATE TABLE subscription_history (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    provider_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    customer_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    offer_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    quantity INTEGER NOT NULL,
    status TEXT NOT NULL,
    reseller_tenant_id TEXT REFERENCES tenants (id)
);
CREATE INDEX subscription_history_subscription ON subscription_history (subscription_id, at);
CREATE INDEX subscription_history_provider ON subscription_history (provider_tenant_id, at);
