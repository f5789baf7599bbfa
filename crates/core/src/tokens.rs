//! Personal API tokens: act with the user's roles, shown once, stored hashed, expiring.

use serde::{Deserialize, Serialize};
use twotier_domain::actor::{Actor, ActorKind};
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{TenantId, TokenId};
use twotier_domain::user::Email;
use twotier_store::api_tokens::{self, ApiTokenRow};
use twotier_store::{tenants, users};

use crate::audit::Event;
use crate::write::{Begun, Change, Replayable};
use crate::{Code, CoreError, RequestMeta, Services, secrets};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl ApiToken {
    fn from_row(r: ApiTokenRow) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name,
            created_at: Timestamp(r.created_at),
            expires_at: Timestamp(r.expires_at),
            last_used_at: r.last_used_at.map(Timestamp),
            revoked_at: r.revoked_at.map(Timestamp),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewToken {
    pub token: ApiToken,
    /// The secret itself, in the first response only.
    pub secret: Option<String>,
}

impl Replayable for NewToken {
    fn for_replay(&self) -> Self {
        Self {
            secret: None,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewTokenInput {
    pub name: String,
    pub expires_days: Option<i64>,
}

/// Whose token to create: the signed-in person, or (CLI only) a user named by email, and by
/// tenant when several organisations have a user with that address.
#[derive(Debug, Clone)]
pub enum Owner {
    Me,
    Email {
        email: String,
        tenant: Option<TenantId>,
    },
}

pub async fn create(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    owner: &Owner,
    input: &NewTokenInput,
) -> Result<NewToken, CoreError> {
    let name = input.name.trim();
    let name = if name.is_empty() { "API token" } else { name };
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "name",
            "use at most 100 characters without control characters",
        ));
    }
    let days = input
        .expires_days
        .unwrap_or(svc.settings.token_default_days);
    if !(1..=svc.settings.token_max_days).contains(&days) {
        return Err(CoreError::invalid(
            "expires_days",
            format!("choose between 1 and {} days", svc.settings.token_max_days),
        ));
    }
    let mut ch = crate::begin_change!(svc, actor, meta, NewToken);
    let now = svc.now();
    let mut expires_at = now.plus_days(days);
    let (tenant_id, user_id) = match owner {
        Owner::Me => match (&actor.user_id, actor.kind) {
            (Some(u), ActorKind::User | ActorKind::ApiToken) => {
                let user = users::find(&mut ch.conn(), &actor.tenant_id, u)
                    .await?
                    .ok_or(CoreError::Unauthenticated)?;
                let tenant = tenants::find(&mut ch.conn(), &actor.tenant_id)
                    .await?
                    .ok_or(CoreError::Unauthenticated)?;
                // A tenant that requires two-factor sign-in requires it of whoever holds a
                // token: a person without it gets none.
                if tenant.require_mfa && !user.totp_enabled {
                    return Err(CoreError::rule(
                        Code::TwoFactorRequired,
                        "your organisation requires two-factor sign-in: set it up before creating API tokens",
                    ));
                }
                if let Some(parent) = &actor.token_id {
                    expires_at = within_parent(&mut ch, parent, expires_at, input).await?;
                }
                (actor.tenant_id.clone(), u.clone())
            }
            _ => {
                return Err(CoreError::rule(
                    Code::PersonRequired,
                    "only a person can own a personal API token",
                ));
            }
        },
        Owner::Email { email, tenant } => {
            if actor.kind != ActorKind::Cli {
                return Err(CoreError::NotFound);
            }
            let email = Email::parse(email).map_err(|e| CoreError::field("email", e))?;
            let mut found = users::with_email(&mut ch.conn(), &email.lower).await?;
            if let Some(tenant) = tenant {
                found.retain(|u| u.tenant_id == tenant.clone());
            }
            let user = match found.len() {
                0 => return Err(CoreError::invalid("email", "no user has this email")),
                1 => found.remove(0),
                _ => {
                    return Err(CoreError::invalid(
                        "email",
                        "users of several tenants have this email; name the tenant too",
                    ));
                }
            };
            if user.disabled {
                return Err(CoreError::invalid("email", "this user is disabled"));
            }
            (user.tenant_id.clone(), user.id.clone())
        }
    };
    let secret = secrets::new_token("ttp_");
    let row = ApiTokenRow {
        id: TokenId::generate(),
        tenant_id: tenant_id.clone(),
        user_id: Some(user_id.clone()),
        app_id: None,
        name: name.to_owned(),
        token_hash: secrets::sha256_hex(&secret),
        created_at: now.millis(),
        expires_at: expires_at.millis(),
        last_used_at: None,
        revoked_at: None,
    };
    api_tokens::insert(&mut ch.conn(), &row).await?;
    ch.audit(
        Event::new(Operation::CreateApiToken, ResourceType::ApiToken, &row.id)
            .about(&tenant_id)
            .new_value(serde_json::json!({ "name": row.name, "userId": user_id, "expiresAt": Timestamp(row.expires_at).rfc3339() })),
    )
    .await?;
    let out = NewToken {
        token: ApiToken::from_row(row),
        secret: Some(secret),
    };
    ch.commit(&out).await?;
    Ok(out)
}

/// A token created with another token never outlives it: without a chosen lifetime it ends
/// when the one it was made with does; a longer one asked for is refused.
async fn within_parent(
    ch: &mut Change<'_>,
    parent: &TokenId,
    wanted: Timestamp,
    input: &NewTokenInput,
) -> Result<Timestamp, CoreError> {
    let parent = api_tokens::find(&mut ch.conn(), parent)
        .await?
        .ok_or(CoreError::Unauthenticated)?;
    let limit = Timestamp(parent.expires_at);
    if wanted <= limit {
        return Ok(wanted);
    }
    if input.expires_days.is_none() {
        return Ok(limit);
    }
    Err(CoreError::invalid(
        "expires_days",
        format!(
            "the token you are using expires on {}; a token it creates cannot outlive it",
            limit.display()
        ),
    ))
}

/// The signed-in person's tokens, newest first.
pub async fn list(svc: &Services, actor: &Actor) -> Result<Vec<ApiToken>, CoreError> {
    let user_id = actor.user_id.as_ref().ok_or(CoreError::NotFound)?;
    let mut c = svc.db.read().await?;
    Ok(
        api_tokens::list_for_user(&mut c.conn(), &actor.tenant_id, user_id)
            .await?
            .into_iter()
            .map(ApiToken::from_row)
            .collect(),
    )
}

/// Revokes one of the signed-in person's tokens; it stops working on its next request.
pub async fn revoke(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &TokenId,
) -> Result<(), CoreError> {
    let user_id = actor.user_id.as_ref().ok_or(CoreError::NotFound)?;
    let mut ch = match Change::begin::<()>(svc, actor, meta).await? {
        Begun::Replay(()) => return Ok(()),
        Begun::Fresh(ch) => ch,
    };
    let now = svc.now().millis();
    if !api_tokens::revoke(&mut ch.conn(), &actor.tenant_id, user_id, id, now).await? {
        return Err(CoreError::NotFound);
    }
    ch.audit(
        Event::new(Operation::RevokeApiToken, ResourceType::ApiToken, id).about(&actor.tenant_id),
    )
    .await?;
    ch.commit(&()).await
}
