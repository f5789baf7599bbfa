//! API apps: a client id and a secret (shown once) that obtain "App only" tokens through
//! `POST /oauth2/token`, acting with the roles given to the app.

use serde::{Deserialize, Serialize};
use twotier_domain::FieldErrors;
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::{Permission, Role, check_roles_for};
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::AppId;
use twotier_store::api_apps::{self, ApiAppRow};
use twotier_store::api_tokens;

use crate::audit::Event;
use crate::write::Replayable;
use crate::{CoreError, RequestMeta, Services, authz, secrets};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub id: String,
    pub name: String,
    pub client_id: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub created_at: Timestamp,
}

impl App {
    fn from_row(r: ApiAppRow) -> Self {
        Self {
            roles: r
                .roles
                .split(',')
                .filter_map(|s| Role::parse(s).ok())
                .collect(),
            id: r.id.to_string(),
            name: r.name,
            client_id: r.client_id,
            disabled: r.disabled,
            created_at: Timestamp(r.created_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewApp {
    pub app: App,
    pub client_secret: Option<String>,
}

impl Replayable for NewApp {
    fn for_replay(&self) -> Self {
        Self {
            client_secret: None,
            ..self.clone()
        }
    }
}

impl Replayable for App {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewAppInput {
    pub name: String,
    pub roles: Vec<String>,
}

pub async fn create(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    input: &NewAppInput,
) -> Result<NewApp, CoreError> {
    authz::require(actor, Permission::ManageApps)?;
    let mut e = FieldErrors::new();
    let name = e.check("name", twotier_domain::tenant::parse_name(&input.name));
    let mut roles = Vec::new();
    for r in input.roles.iter().filter(|r| !r.trim().is_empty()) {
        if let Some(role) = e.check("roles", Role::parse(r))
            && !roles.contains(&role)
        {
            roles.push(role);
        }
    }
    if let Err(err) = check_roles_for(actor.tenant_kind, &roles) {
        e.add("roles", err.0);
    }
    if roles.is_empty() && e.get("roles").is_none() {
        e.add("roles", "give the app at least one role");
    }
    let Some(name) = name.filter(|_| e.is_empty()) else {
        return Err(CoreError::Invalid(e));
    };
    roles.sort();
    // An app with the top role is a Global admin's to create, as a Global admin is its to make.
    if roles.contains(&crate::users::keeper_role(actor.tenant_kind)) {
        authz::require(actor, Permission::ManageGlobalAdmins)?;
    }
    let mut ch = crate::begin_change!(svc, actor, meta, NewApp);
    let secret = secrets::new_token("tcs_");
    let row = ApiAppRow {
        id: AppId::generate(),
        tenant_id: actor.tenant_id.clone(),
        name,
        client_id: uuid::Uuid::new_v4().to_string(),
        secret_hash: secrets::sha256_hex(&secret),
        roles: roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(","),
        disabled: false,
        created_by: actor.user_id.clone(),
        created_at: svc.now().millis(),
    };
    api_apps::insert(&mut ch.conn(), &row).await?;
    let app = App::from_row(row);
    ch.audit(
        Event::new(
            Operation::CreateApplication,
            ResourceType::Application,
            &app.id,
        )
        .about(&actor.tenant_id)
        .new_value(
            serde_json::json!({ "name": app.name, "clientId": app.client_id, "roles": app.roles }),
        ),
    )
    .await?;
    let out = NewApp {
        app,
        client_secret: Some(secret),
    };
    ch.commit(&out).await?;
    Ok(out)
}

pub async fn list(svc: &Services, actor: &Actor) -> Result<Vec<App>, CoreError> {
    authz::require(actor, Permission::ManageApps)?;
    let mut c = svc.db.read().await?;
    Ok(api_apps::list_for_tenant(&mut c.conn(), &actor.tenant_id)
        .await?
        .into_iter()
        .map(App::from_row)
        .collect())
}

/// Disables an app and revokes its tokens.
pub async fn disable(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &AppId,
) -> Result<App, CoreError> {
    authz::require(actor, Permission::ManageApps)?;
    let mut ch = crate::begin_change!(svc, actor, meta, App);
    let row = api_apps::find(&mut ch.conn(), &actor.tenant_id, id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if !row.disabled {
        api_apps::set_disabled(&mut ch.conn(), &actor.tenant_id, id, true).await?;
        api_tokens::revoke_for_app(&mut ch.conn(), id, svc.now().millis()).await?;
        ch.audit(
            Event::new(Operation::DisableApplication, ResourceType::Application, id)
                .about(&actor.tenant_id),
        )
        .await?;
    }
    let app = App::from_row(
        api_apps::find(&mut ch.conn(), &actor.tenant_id, id)
            .await?
            .ok_or(CoreError::NotFound)?,
    );
    ch.commit(&app).await?;
    Ok(app)
}
