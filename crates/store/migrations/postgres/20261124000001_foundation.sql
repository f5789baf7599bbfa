CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('operator', 'provider', 'reseller', 'customer')),
    name TEXT NOT NULL,
    require_mfa BOOLEAN NOT NULL,
    disabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX tenants_kind_name ON tenants (kind, name);

CREATE TABLE partner_profiles (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    legal_name TEXT NOT NULL,
    country TEXT NOT NULL,
    region TEXT NOT NULL,
    mpn_id BIGINT NOT NULL,
    contact_email TEXT NOT NULL,
    description TEXT NOT NULL,
    website TEXT NOT NULL,
    agreement_accepted_at BIGINT,
    agreement_accepted_by TEXT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX partner_profiles_mpn_id ON partner_profiles (mpn_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    temp_password_hash TEXT,
    temp_password_expires_at BIGINT,
    totp_secret TEXT,
    totp_enabled BOOLEAN NOT NULL,
    totp_last_step BIGINT,
    disabled BOOLEAN NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_lower ON users (email_lower);
CREATE UNIQUE INDEX users_tenant_id ON users (tenant_id, id);

CREATE TABLE user_roles (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX user_roles_tenant ON user_roles (tenant_id, user_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    mfa_passed BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_apps (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    client_id TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    disabled BOOLEAN NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX api_apps_client_id ON api_apps (client_id);
CREATE UNIQUE INDEX api_apps_tenant_id ON api_apps (tenant_id, id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT REFERENCES users (id),
    app_id TEXT REFERENCES api_apps (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_records (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    subject_tenant_id TEXT,
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_user_id TEXT,
    actor_label TEXT NOT NULL,
    actor_token_id TEXT,
    actor_app_id TEXT,
    customer_id TEXT,
    customer_name TEXT,
    operation TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    outcome TEXT NOT NULL,
    correlation_id TEXT,
    request_id TEXT
);
CREATE INDEX audit_records_tenant_at ON audit_records (tenant_id, at, id);
CREATE INDEX audit_records_subject_at ON audit_records (subject_tenant_id, at, id);

CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    response TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, principal_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The audit log is append-only.
CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only';
END;
$$;
CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON audit_records
FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
