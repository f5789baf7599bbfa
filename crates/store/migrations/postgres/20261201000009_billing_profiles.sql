-- Each partner keeps its own billing profile of a customer, so no partner changes what another
-- sees. The customer's record (customers) is the profile the customer was created with; a
-- relationship's billing columns are NULL until that partner edits its profile, and read as
-- the customer's until then. The company name and the version (the partner's etag) are the
-- relationship's own from the start, so a partner's list reads them from its index.
ALTER TABLE customer_relationships ADD COLUMN company_name TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_relationships ADD COLUMN billing_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE customer_relationships ADD COLUMN billing_first_name TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_last_name TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_email TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_phone TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_culture TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_language TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_address_line1 TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_address_line2 TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_city TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_state TEXT;
ALTER TABLE customer_relationships ADD COLUMN billing_postal_code TEXT;
UPDATE customer_relationships SET
    company_name = (SELECT c.company_name FROM customers c WHERE c.tenant_id = customer_relationships.customer_tenant_id),
    billing_version = (SELECT c.billing_version FROM customers c WHERE c.tenant_id = customer_relationships.customer_tenant_id);
-- The list indexes carry what a list page shows of the relationship, so they still cover it.
DROP INDEX customer_relationships_list;
DROP INDEX customer_relationships_reseller_list;
CREATE INDEX customer_relationships_list ON customer_relationships (partner_tenant_id, state, company_name_lower, customer_tenant_id, reseller_tenant_id, company_name, billing_version);
CREATE INDEX customer_relationships_reseller_list ON customer_relationships (partner_tenant_id, reseller_tenant_id, state, company_name_lower, customer_tenant_id, company_name, billing_version);
