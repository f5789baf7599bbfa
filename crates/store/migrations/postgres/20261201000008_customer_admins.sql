-- The partner tenant whose user created a user of a customer tenant (NULL: the customer itself,
-- the operator, or the admin created with the customer). Such accounts never count as the
-- customer's last Global admin, so a partner cannot make one and then disable the customer's own.
ALTER TABLE users ADD COLUMN created_by_tenant_id TEXT REFERENCES tenants (id);
