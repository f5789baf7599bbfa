//! Sign-in: passwords, sessions, two-factor, bearer tokens and client credentials.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use twotier_domain::actor::{Actor, ActorKind};
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::Role;
use twotier_domain::ids::TokenId;
use twotier_domain::tenant::TenantKind;
use twotier_domain::user::{Email, check_new_password};
use twotier_store::sessions::{self, SessionPrincipal, SessionRow};
use twotier_store::sign_in_throttles as throttles;
use twotier_store::{api_apps, api_tokens, tenants, users};

use crate::audit::Event;
use crate::write::Change;
use crate::{Code, CoreError, RequestMeta, Services, lockout, secrets, totp};

const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Failed sign-ins per client address, kept in memory: a flood from one place is slowed
/// without touching the database. (Per sign-in name they are counted in the database:
/// `lockout`.)
#[derive(Debug, Clone)]
pub struct AddressThrottle {
    limit: u32,
    failures: Arc<Mutex<HashMap<String, (u32, i64)>>>,
}

impl AddressThrottle {
    pub fn new(limit: u32) -> Self {
        Self {
            limit: limit.max(1),
            failures: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Refuses when the address failed `limit` times in the window.
    fn check(&self, address: &str, now: i64) -> Result<(), CoreError> {
        let map = self
            .failures
            .lock()
            .map_err(|_| CoreError::internal("throttle poisoned"))?;
        match map.get(address) {
            Some(&(count, since)) if count >= self.limit && now - since < FAILURE_WINDOW_MS => {
                let secs = (FAILURE_WINDOW_MS - (now - since)) / 1000;
                Err(CoreError::Throttled {
                    retry_after_secs: u64::try_from(secs.max(1)).unwrap_or(1),
                })
            }
            _ => Ok(()),
        }
    }

    fn fail(&self, address: &str, now: i64) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                map.retain(|_, &mut (_, since)| now - since < FAILURE_WINDOW_MS);
            }
            let entry = map.entry(address.to_owned()).or_insert((0, now));
            if now - entry.1 >= FAILURE_WINDOW_MS {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }
}

/// A new browser session. The token goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
}

/// An organisation whose account matched, when one address has accounts in several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub tenant_id: String,
    pub name: String,
}

/// What a sign-in came to.
#[derive(Debug, Clone)]
pub enum SignIn {
    Session(NewSession),
    /// The password opens accounts in several organisations: the person chooses one and
    /// signs in again with it (`organisation`).
    Choose(Vec<Organisation>),
}

/// The key of a sign-in name's failures (`lockout`): the address is never stored.
pub(crate) fn name_key(email_lower: &str) -> String {
    secrets::sha256_hex(&format!("sign-in name:{email_lower}"))
}

/// The salt of every password hash of the accounts with this address (in any tenant), from
/// the server key, so that sign-in checks all of them with one argon2 run
/// (`passwords::Hasher::verify_all`).
pub fn password_salt(svc: &Services, email_lower: &str) -> [u8; 16] {
    let mac = secrets::hmac_hex(svc.server_key(), &format!("password salt:{email_lower}"));
    let mut salt = [0u8; 16];
    // The first 16 of the MAC's 32 bytes; hex of a MAC always decodes.
    let _ = hex::decode_to_slice(&mac[..32], &mut salt);
    salt
}

/// The lowercased sign-in name, whether or not it is a valid address.
fn sign_in_name(email: &str) -> String {
    Email::parse(email).map_or_else(|_| email.trim().to_lowercase(), |e| e.lower)
}

/// The back-off of a sign-in name.
fn lockout_policy(svc: &Services) -> lockout::Policy {
    lockout::Policy {
        threshold: svc.settings.lockout_threshold,
        longest_minutes: svc.settings.lockout_minutes,
    }
}

/// Counts a failure against the name (and the address, if known).
async fn record_failure(
    svc: &Services,
    key: &str,
    address: Option<&str>,
    now: i64,
) -> Result<(), CoreError> {
    if let Some(address) = address {
        svc.throttle.fail(address, now);
    }
    let mut tx = svc.db.begin().await?;
    let row = throttles::lock(&mut tx.conn(), key, now).await?;
    let next = lockout::after_failure(row, now, lockout_policy(svc));
    throttles::save(&mut tx.conn(), key, &next).await?;
    tx.commit().await?;
    Ok(())
}

fn throttled(until: i64, now: i64) -> CoreError {
    CoreError::Throttled {
        retry_after_secs: u64::try_from(((until - now) / 1000).max(1)).unwrap_or(1),
    }
}

/// Checks email and password and opens a session. Every failure looks the same and takes
/// the same time, whether or not the account exists, is locked or disabled: a sign-in name
/// is throttled the same way known or not (`lockout`, in the database), and the password is
/// checked with the same work in every case (`passwords::Hasher::verify_all`). `address` is
/// the client's (`None` when it is not known: then only the name is throttled).
/// `organisation` picks one of several organisations in which the address has an account.
/// `replaces` is the browser's current session, if any: it ends as the new one starts.
pub async fn login(
    svc: &Services,
    email: &str,
    password: &str,
    address: Option<&str>,
    organisation: Option<&str>,
    replaces: Option<&str>,
) -> Result<SignIn, CoreError> {
    if email.trim().is_empty() || password.is_empty() {
        return Err(CoreError::invalid("email", "enter your email and password"));
    }
    let now = svc.now().millis();
    if let Some(address) = address {
        svc.throttle.check(address, now)?;
    }
    let email_lower = sign_in_name(email);
    let key = name_key(&email_lower);
    let (throttle, accounts) = {
        let mut c = svc.db.read().await?;
        (
            throttles::find(&mut c.conn(), &key).await?,
            users::with_email(&mut c.conn(), &email_lower).await?,
        )
    };
    let salt = password_salt(svc, &email_lower);
    let stored: Vec<Option<String>> = accounts.iter().map(|u| u.password_hash.clone()).collect();
    let checked = svc.passwords.verify_all(password, salt, stored).await?;
    if let Some(until) = lockout::locked_until(throttle.as_ref(), now) {
        return Err(throttled(until, now));
    }
    let temp_mac = secrets::hmac_hex(svc.server_key(), password);
    let mut matched = Vec::new();
    for (u, ok) in accounts.into_iter().zip(checked) {
        let ok = ok
            || (u.password_hash.is_none()
                && u.temp_password_expires_at.is_some_and(|t| t > now)
                && u.temp_password_hash
                    .as_deref()
                    .is_some_and(|t| secrets::constant_time_eq(&temp_mac, t)));
        if ok && !u.disabled {
            matched.push(u);
        }
    }
    let mut usable = Vec::new();
    {
        let mut c = svc.db.read().await?;
        for u in matched {
            if let Some(t) = tenants::find(&mut c.conn(), &u.tenant_id)
                .await?
                .filter(|t| !t.disabled)
            {
                usable.push((u, t));
            }
        }
    }
    if let Some(org) = organisation.map(str::trim).filter(|o| !o.is_empty()) {
        usable.retain(|(_, t)| t.id.as_str() == org);
    }
    let (user, _) = match usable.len() {
        0 => {
            record_failure(svc, &key, address, now).await?;
            return Err(CoreError::Unauthenticated);
        }
        1 => usable.remove(0),
        _ => {
            return Ok(SignIn::Choose(
                usable
                    .into_iter()
                    .map(|(_, t)| Organisation {
                        tenant_id: t.id.to_string(),
                        name: t.name,
                    })
                    .collect(),
            ));
        }
    };
    // A password stored before the name's salt (or the current parameters) is stored again.
    let rehash = match &user.password_hash {
        Some(h) if svc.passwords.is_older(h, salt) => {
            Some(svc.passwords.hash_with_salt(password, salt).await?)
        }
        _ => None,
    };
    let mut tx = svc.db.begin().await?;
    if let Some(hash) = &rehash {
        users::set_password(&mut tx.conn(), &user.id, hash, now).await?;
    }
    // A sign-in with a second factor to come is not complete: the name's count stays until
    // the code is right.
    if !user.totp_enabled {
        throttles::clear(&mut tx.conn(), &key).await?;
    }
    let token = secrets::new_token("tts_");
    sessions::insert(
        &mut tx.conn(),
        &SessionRow {
            id_hash: secrets::sha256_hex(&token),
            user_id: user.id.clone(),
            csrf_token: secrets::new_token(""),
            mfa_passed: false,
            created_at: now,
            last_seen_at: now,
            expires_at: now + svc.settings.session_idle_minutes * 60_000,
        },
    )
    .await?;
    // The browser's old session, if any, ends with it: a new id at every sign-in.
    if let Some(old) = replaces {
        sessions::delete(&mut tx.conn(), &secrets::sha256_hex(old)).await?;
    }
    tx.commit().await?;
    Ok(SignIn::Session(NewSession { token }))
}

/// Ends the session (sign-out).
pub async fn logout(svc: &Services, token: &str) -> Result<(), CoreError> {
    let mut tx = svc.db.begin().await?;
    sessions::delete(&mut tx.conn(), &secrets::sha256_hex(token)).await?;
    tx.commit().await?;
    Ok(())
}

/// What a page needs to do before the user may use the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Step {
    /// Replace the temporary password.
    ChangePassword,
    /// Enter the code from the authenticator app.
    EnterCode,
    /// The tenant requires two-factor and the user has none yet.
    EnrolTwoFactor,
}

/// A signed-in browser session.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf_token: String,
    pub email: String,
    pub display_name: String,
    pub tenant_name: String,
    /// The step the user must complete first, if any.
    pub pending: Option<Step>,
    id_hash: String,
}

fn pending_step(p: &SessionPrincipal) -> Option<Step> {
    if p.must_change_password {
        Some(Step::ChangePassword)
    } else if p.totp_enabled && !p.mfa_passed {
        Some(Step::EnterCode)
    } else if p.tenant_require_mfa && !p.totp_enabled {
        Some(Step::EnrolTwoFactor)
    } else {
        None
    }
}

impl Session {
    /// The stored hash of the session's cookie token: what other rows of this session key on.
    pub(crate) fn id_hash(&self) -> &str {
        &self.id_hash
    }
}

/// Looks the cookie's session up. Disabled users, disabled tenants and expired sessions get
/// `None`, so revocation takes effect on the very next request.
pub async fn resolve_session(svc: &Services, token: &str) -> Result<Option<Session>, CoreError> {
    let now = svc.now().millis();
    let id_hash = secrets::sha256_hex(token);
    let mut c = svc.db.read().await?;
    let Some(p) = sessions::find_principal(&mut c.conn(), &id_hash, now).await? else {
        return Ok(None);
    };
    let absolute_end = p.created_at + svc.settings.session_absolute_hours * 3_600_000;
    if now >= absolute_end {
        return Ok(None);
    }
    let roles: Vec<Role> = users::roles(&mut c.conn(), &p.tenant_id, &p.user_id)
        .await?
        .iter()
        .filter_map(|r| Role::parse(r).ok())
        .collect();
    drop(c);
    if now - p.last_seen_at > 60_000 {
        // Slide the idle expiry at most once a minute, never past the absolute end.
        let expires = (now + svc.settings.session_idle_minutes * 60_000).min(absolute_end);
        let mut tx = svc.db.begin().await?;
        sessions::touch(&mut tx.conn(), &id_hash, now, expires).await?;
        tx.commit().await?;
    }
    let pending = pending_step(&p);
    let tenant_kind =
        TenantKind::parse(&p.tenant_kind).map_err(|_| CoreError::internal("bad tenant kind"))?;
    Ok(Some(Session {
        actor: Actor {
            kind: ActorKind::User,
            tenant_id: p.tenant_id.clone(),
            tenant_kind,
            user_id: Some(p.user_id.clone()),
            token_id: None,
            app_id: None,
            // Until the pending step is done the session carries no roles at all.
            roles: if pending.is_some() { Vec::new() } else { roles },
            mfa: p.mfa_passed,
            label: p.email.clone(),
        },
        csrf_token: p.csrf_token,
        email: p.email,
        display_name: p.display_name,
        tenant_name: p.tenant_name,
        pending,
        id_hash,
    }))
}

/// The signed-in person's own user row, read now.
async fn own_row(svc: &Services, session: &Session) -> Result<users::UserRow, CoreError> {
    let user_id = session
        .actor
        .user_id
        .as_ref()
        .ok_or(CoreError::Unauthenticated)?;
    let mut c = svc.db.read().await?;
    users::find(&mut c.conn(), &session.actor.tenant_id, user_id)
        .await?
        .ok_or(CoreError::Unauthenticated)
}

/// Replaces the user's password. The current one (temporary or not) must be given; other
/// sessions of the user end. Not while the second factor is still to come.
pub async fn change_password(
    svc: &Services,
    session: &Session,
    meta: &RequestMeta,
    current: &str,
    new: &str,
) -> Result<(), CoreError> {
    let user_id = session
        .actor
        .user_id
        .as_ref()
        .ok_or(CoreError::Unauthenticated)?;
    // A password alone, before the second factor, must not be able to replace itself.
    if matches!(
        session.pending,
        Some(Step::EnterCode | Step::EnrolTwoFactor)
    ) {
        return Err(CoreError::rule(
            Code::SignInIncomplete,
            "finish signing in with your second factor before changing your password",
        ));
    }
    let now = svc.now().millis();
    let row = own_row(svc, session).await?;
    let current_ok = match (&row.password_hash, &row.temp_password_hash) {
        (Some(hash), _) => svc.passwords.verify(current, Some(hash)).await?,
        (None, Some(temp)) => {
            row.temp_password_expires_at.is_some_and(|t| t > now)
                && secrets::constant_time_eq(&secrets::hmac_hex(svc.server_key(), current), temp)
        }
        (None, None) => false,
    };
    if !current_ok {
        return Err(CoreError::invalid(
            "current_password",
            "this is not your current password",
        ));
    }
    check_new_password(new, &row.email).map_err(|e| CoreError::field("new_password", e))?;
    if new == current {
        return Err(CoreError::invalid(
            "new_password",
            "choose a password different from the current one",
        ));
    }
    let hash = svc
        .passwords
        .hash_with_salt(new, password_salt(svc, &row.email_lower))
        .await?;
    let mut ch = Change::begin_plain(svc, &session.actor, meta).await?;
    users::set_password(&mut ch.conn(), user_id, &hash, now).await?;
    // End every other session of this user; this one stays.
    sessions::delete_others(&mut ch.conn(), user_id, &session.id_hash).await?;
    ch.audit(
        Event::new(
            Operation::ChangePassword,
            ResourceType::PartnerUser,
            user_id,
        )
        .about(&session.actor.tenant_id),
    )
    .await?;
    ch.commit_plain().await
}

/// Checks the second factor for this session. Wrong codes are counted per account in the
/// database; every `totp_failure_limit` of them in a row end the session, so the password
/// must be given again, and lock the sign-in name for a back-off that grows to a day
/// (`lockout::after_code_round`). The right code clears both counts.
pub async fn verify_code(svc: &Services, session: &Session, code: &str) -> Result<(), CoreError> {
    let user_id = session
        .actor
        .user_id
        .as_ref()
        .ok_or(CoreError::Unauthenticated)?;
    let now = svc.now().millis();
    let mut tx = svc.db.begin().await?;
    let row = users::find(&mut tx.conn(), &session.actor.tenant_id, user_id)
        .await?
        .ok_or(CoreError::Unauthenticated)?;
    let step = row
        .totp_secret
        .as_deref()
        .filter(|_| row.totp_enabled)
        .and_then(|secret| totp::matching_step(secret, code, now));
    let accepted = match step {
        Some(step) => users::use_totp_step(&mut tx.conn(), user_id, step).await?,
        None => false,
    };
    let key = name_key(&row.email_lower);
    if !accepted {
        let failures = users::count_totp_failure(&mut tx.conn(), user_id).await?;
        let limit = svc.settings.totp_failure_limit.max(1);
        if failures % limit == 0 {
            sessions::delete(&mut tx.conn(), &session.id_hash).await?;
            let throttle = throttles::lock(&mut tx.conn(), &key, now).await?;
            throttles::save(
                &mut tx.conn(),
                &key,
                &lockout::after_code_round(throttle, now),
            )
            .await?;
            tx.commit().await?;
            return Err(CoreError::rule(
                Code::TwoFactorRoundOver,
                "too many wrong codes: sign in again with your password",
            ));
        }
        tx.commit().await?;
        return Err(CoreError::invalid(
            "code",
            "this code is not valid; enter the current 6-digit code from your app",
        ));
    }
    users::reset_totp_failures(&mut tx.conn(), user_id).await?;
    throttles::clear(&mut tx.conn(), &key).await?;
    sessions::mark_mfa_passed(&mut tx.conn(), &session.id_hash).await?;
    tx.commit().await?;
    Ok(())
}

/// A two-factor enrolment in progress: the secret to show, as text and QR code.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

/// Starts (or restarts) enrolment: a new secret is stored but not yet enabled.
pub async fn start_enrolment(svc: &Services, session: &Session) -> Result<Enrolment, CoreError> {
    let user_id = session
        .actor
        .user_id
        .as_ref()
        .ok_or(CoreError::Unauthenticated)?;
    let mut tx = svc.db.begin().await?;
    let row = users::find(&mut tx.conn(), &session.actor.tenant_id, user_id)
        .await?
        .ok_or(CoreError::Unauthenticated)?;
    if row.totp_enabled {
        return Err(CoreError::rule(
            Code::TwoFactorAlreadyOn,
            "two-factor sign-in is already on",
        ));
    }
    let secret = match row.totp_secret {
        Some(s) => s,
        None => {
            let s = totp::new_secret();
            users::set_totp(&mut tx.conn(), user_id, Some(&s), false, svc.now().millis()).await?;
            s
        }
    };
    tx.commit().await?;
    let uri = totp::provisioning_uri(&secret, &session.email, "twotier");
    Ok(Enrolment {
        qr_svg: totp::qr_svg(&uri),
        uri,
        secret,
    })
}

/// Confirms enrolment with a first code; from then on sign-in asks for a code.
pub async fn confirm_enrolment(
    svc: &Services,
    session: &Session,
    meta: &RequestMeta,
    code: &str,
) -> Result<(), CoreError> {
    let user_id = session
        .actor
        .user_id
        .as_ref()
        .ok_or(CoreError::Unauthenticated)?;
    let now = svc.now().millis();
    let mut ch = Change::begin_plain(svc, &session.actor, meta).await?;
    let row = users::find(&mut ch.conn(), &session.actor.tenant_id, user_id)
        .await?
        .ok_or(CoreError::Unauthenticated)?;
    let secret = row
        .totp_secret
        .filter(|_| !row.totp_enabled)
        .ok_or(CoreError::invalid("code", "start the set-up again"))?;
    let step = totp::matching_step(&secret, code, now).ok_or(CoreError::invalid(
        "code",
        "this code is not valid; enter the current 6-digit code from your app",
    ))?;
    users::set_totp(&mut ch.conn(), user_id, Some(&secret), true, now).await?;
    users::use_totp_step(&mut ch.conn(), user_id, step).await?;
    sessions::mark_mfa_passed(&mut ch.conn(), &session.id_hash).await?;
    ch.audit(
        Event::new(
            Operation::EnableTwoFactor,
            ResourceType::PartnerUser,
            user_id,
        )
        .about(&session.actor.tenant_id),
    )
    .await?;
    ch.commit_plain().await
}

/// Turns two-factor off (not allowed while the tenant requires it). The person signs in
/// again with the password first: a session left open somewhere cannot remove the factor.
pub async fn disable_two_factor(
    svc: &Services,
    session: &Session,
    meta: &RequestMeta,
    current_password: &str,
) -> Result<(), CoreError> {
    let user_id = session
        .actor
        .user_id
        .as_ref()
        .ok_or(CoreError::Unauthenticated)?;
    let stored = own_row(svc, session).await?.password_hash;
    if current_password.is_empty() {
        return Err(CoreError::invalid(
            "current_password",
            "enter your current password to turn two-factor sign-in off",
        ));
    }
    if !svc
        .passwords
        .verify(current_password, stored.as_deref())
        .await?
    {
        return Err(CoreError::invalid(
            "current_password",
            "this is not your current password",
        ));
    }
    let mut ch = Change::begin_plain(svc, &session.actor, meta).await?;
    let tenant = tenants::find(&mut ch.conn(), &session.actor.tenant_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if tenant.require_mfa {
        return Err(CoreError::invalid(
            "two_factor",
            "your organisation requires two-factor sign-in",
        ));
    }
    users::set_totp(&mut ch.conn(), user_id, None, false, svc.now().millis()).await?;
    ch.audit(
        Event::new(
            Operation::DisableTwoFactor,
            ResourceType::PartnerUser,
            user_id,
        )
        .about(&session.actor.tenant_id),
    )
    .await?;
    ch.commit_plain().await
}

/// Sets whether every user of the actor's tenant must use two-factor sign-in.
pub async fn set_require_two_factor(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    require: bool,
) -> Result<(), CoreError> {
    crate::authz::require(
        actor,
        twotier_domain::authz::Permission::ManageSecurityPolicy,
    )?;
    let mut ch = Change::begin_plain(svc, actor, meta).await?;
    let tenant = tenants::find(&mut ch.conn(), &actor.tenant_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if tenant.require_mfa != require {
        tenants::set_require_mfa(&mut ch.conn(), &actor.tenant_id, require).await?;
        ch.audit(
            Event::new(
                Operation::UpdateSecurityPolicy,
                ResourceType::Policy,
                &actor.tenant_id,
            )
            .about(&actor.tenant_id)
            .old(serde_json::json!({ "requireTwoFactor": tenant.require_mfa }))
            .new_value(serde_json::json!({ "requireTwoFactor": require })),
        )
        .await?;
    }
    ch.commit_plain().await
}

/// How long a resolved bearer token is reused without reading it again, at most. Within this
/// process any committed write ends the reuse at once (see `PrincipalCache`); this bounds how
/// long a change made by another process (the CLI, a second server on the same PostgreSQL)
/// can go unseen.
pub const PRINCIPAL_CACHE_TTL: Duration = Duration::from_secs(2);
const PRINCIPAL_CACHE_ENTRIES: usize = 4096;

/// Bearer tokens resolved in the last moments, so that a client's every request does not read
/// its token, tenant, user and roles again. Keyed by the token's SHA-256 (the token itself is
/// never kept). An entry is used only while this process has committed no write since it was
/// read: revoking a token, disabling a user, a tenant or an app, or changing roles are all
/// writes, so they take effect at the next request. Only live tokens are kept.
#[derive(Debug, Clone, Default)]
pub struct PrincipalCache {
    entries: Arc<Mutex<HashMap<String, CachedPrincipal>>>,
}

#[derive(Debug, Clone)]
struct CachedPrincipal {
    actor: Actor,
    /// `Db::commits` before the token was read.
    commits: u64,
    read_at: Instant,
    token_expires_at: i64,
}

impl CachedPrincipal {
    fn fresh(&self) -> bool {
        self.read_at.elapsed() < PRINCIPAL_CACHE_TTL
    }
}

impl PrincipalCache {
    fn get(&self, hash: &str, commits: u64, now: i64) -> Option<Actor> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(hash)
            .filter(|e| e.commits == commits && e.fresh() && now < e.token_expires_at)
            .map(|e| e.actor.clone())
    }

    /// Whether a live entry for this token is kept (for tests and diagnostics).
    pub fn remembers(&self, token: &str) -> bool {
        let hash = secrets::sha256_hex(token);
        self.entries
            .lock()
            .is_ok_and(|e| e.get(&hash).is_some_and(CachedPrincipal::fresh))
    }

    fn put(&self, hash: String, entry: CachedPrincipal) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= PRINCIPAL_CACHE_ENTRIES {
            entries.retain(|_, e| e.fresh());
            if entries.len() >= PRINCIPAL_CACHE_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(hash, entry);
    }
}

/// Resolves `Authorization: Bearer …` to an actor. Revoked or expired tokens, disabled users,
/// apps and tenants all give `None`.
pub async fn resolve_bearer(svc: &Services, token: &str) -> Result<Option<Actor>, CoreError> {
    let now = svc.now().millis();
    let hash = secrets::sha256_hex(token);
    // Noted before the read, so a write that lands during it makes the entry stale.
    let commits = svc.db.commits();
    if let Some(actor) = svc.principals.get(&hash, commits, now) {
        return Ok(Some(actor));
    }
    let read_at = Instant::now();
    let mut c = svc.db.read().await?;
    let Some(t) = api_tokens::find_principal(&mut c.conn(), &hash, now).await? else {
        return Ok(None);
    };
    let tenant_kind =
        TenantKind::parse(&t.tenant_kind).map_err(|_| CoreError::internal("bad tenant kind"))?;
    let actor = match (&t.user_id, &t.app_id) {
        (Some(user_id), _) => {
            // Tokens act with the user's current roles. (Only the operator's CLI can give a
            // token to a user who has not chosen a password yet.)
            let mut roles: Vec<Role> = t
                .user_roles
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .filter_map(|r| Role::parse(r).ok())
                .collect();
            roles.sort();
            Actor {
                kind: ActorKind::ApiToken,
                tenant_id: t.tenant_id.clone(),
                tenant_kind,
                user_id: Some(user_id.clone()),
                token_id: Some(t.id.clone()),
                app_id: None,
                roles,
                mfa: true,
                label: t.user_email.clone().unwrap_or_default(),
            }
        }
        (None, Some(app_id)) => Actor {
            kind: ActorKind::App,
            tenant_id: t.tenant_id.clone(),
            tenant_kind,
            user_id: None,
            token_id: Some(t.id.clone()),
            app_id: Some(app_id.clone()),
            roles: t
                .app_roles
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .filter_map(|r| Role::parse(r).ok())
                .collect(),
            mfa: true,
            label: format!("app:{}", t.app_client_id.as_deref().unwrap_or_default()),
        },
        (None, None) => return Ok(None),
    };
    drop(c);
    if t.last_used_at.is_none_or(|at| now - at > 60_000) {
        let mut tx = svc.db.begin().await?;
        api_tokens::touch(&mut tx.conn(), &t.id, now).await?;
        tx.commit().await?;
    } else {
        svc.principals.put(
            hash,
            CachedPrincipal {
                actor: actor.clone(),
                commits,
                read_at,
                token_expires_at: t.expires_at,
            },
        );
    }
    Ok(Some(actor))
}

/// The OAuth2 token response of the client-credentials grant.
#[derive(Debug, Clone, Serialize)]
pub struct AccessToken {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

/// `grant_type=client_credentials`: an app proves its secret and gets a short-lived token.
pub async fn client_credentials(
    svc: &Services,
    client_id: &str,
    client_secret: &str,
) -> Result<AccessToken, CoreError> {
    let now = svc.now();
    let app = {
        let mut c = svc.db.read().await?;
        api_apps::find_by_client_id(&mut c.conn(), client_id.trim()).await?
    };
    let Some(app) = app.filter(|a| {
        !a.disabled
            && secrets::constant_time_eq(&a.secret_hash, &secrets::sha256_hex(client_secret))
    }) else {
        return Err(CoreError::Unauthenticated);
    };
    let mut tx = svc.db.begin().await?;
    let Some(tenant) = tenants::find(&mut tx.conn(), &app.tenant_id)
        .await?
        .filter(|t| !t.disabled)
    else {
        return Err(CoreError::Unauthenticated);
    };
    let token = secrets::new_token("tta_");
    let expires_in = svc.settings.app_token_minutes * 60;
    api_tokens::insert(
        &mut tx.conn(),
        &api_tokens::ApiTokenRow {
            id: TokenId::generate(),
            tenant_id: tenant.id,
            user_id: None,
            app_id: Some(app.id),
            name: "client_credentials".to_owned(),
            token_hash: secrets::sha256_hex(&token),
            created_at: now.millis(),
            expires_at: now.plus_millis(expires_in * 1000).millis(),
            last_used_at: None,
            revoked_at: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(AccessToken {
        access_token: token,
        token_type: "Bearer",
        expires_in,
    })
}

/// Whether the actor's tenant requires two-factor sign-in.
pub async fn tenant_requires_two_factor(svc: &Services, actor: &Actor) -> Result<bool, CoreError> {
    crate::authz::require(
        actor,
        twotier_domain::authz::Permission::ManageSecurityPolicy,
    )?;
    let mut c = svc.db.read().await?;
    Ok(tenants::find(&mut c.conn(), &actor.tenant_id)
        .await?
        .ok_or(CoreError::NotFound)?
        .require_mfa)
}
