-- The customer list sorted by when each relationship began (newest or oldest first).
CREATE INDEX customer_relationships_since ON customer_relationships (partner_tenant_id, state, created_at, customer_tenant_id);
