-- Home lists a provider's suspended subscriptions and those whose cancellation window closes
-- soon: one index range per status from the provider's subscriptions, newest last.
CREATE INDEX subscriptions_provider_status ON subscriptions (provider_tenant_id, status, created_at);

-- A customer declines a relationship request from its Partners page; accepting one closes the
-- provider's other pending requests to that customer (superseded): the state's CHECK grows.
ALTER TABLE relationship_requests DROP CONSTRAINT relationship_requests_state_check;
ALTER TABLE relationship_requests ADD CONSTRAINT relationship_requests_state_check
CHECK (state IN ('pending', 'accepted', 'revoked', 'declined', 'superseded'));
