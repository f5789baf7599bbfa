use crate::authz::{Permission, Role, roles_permit};
use crate::ids::{AppId, TenantId, TokenId, UserId};
use crate::tenant::TenantKind;

/// How the actor reached us; written to every audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A person signed in through the browser.
    User,
    /// A person's personal API token ("App+User").
    ApiToken,
    /// An API app's client-credentials token ("App only").
    App,
    /// The command line, run by whoever has the server's database.
    Cli,
    /// The server itself (demo seeding, background work).
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::ApiToken => "api_token",
            Self::App => "app",
            Self::Cli => "cli",
            Self::System => "system",
        }
    }
}

/// Who is asking. Built once per request from the session or token, then passed to every core call.
#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: ActorKind,
    pub tenant_id: TenantId,
    pub tenant_kind: TenantKind,
    pub user_id: Option<UserId>,
    pub token_id: Option<TokenId>,
    pub app_id: Option<AppId>,
    pub roles: Vec<Role>,
    /// Whether the second factor was presented in this session.
    pub mfa: bool,
    /// Who this is, for the audit log: an email, an app's client id, or "cli".
    pub label: String,
}

impl Actor {
    pub fn can(&self, permission: Permission) -> bool {
        roles_permit(&self.roles, permission)
    }

    /// The operator acting from the command line: full operator rights, audited as `cli`.
    pub fn cli(operator_tenant: TenantId) -> Self {
        Self {
            kind: ActorKind::Cli,
            tenant_id: operator_tenant,
            tenant_kind: TenantKind::Operator,
            user_id: None,
            token_id: None,
            app_id: None,
            roles: vec![Role::OperatorAdmin],
            mfa: true,
            label: "cli".to_owned(),
        }
    }

    /// The principal an idempotency key is scoped to.
    pub fn principal_id(&self) -> String {
        match (&self.app_id, &self.user_id) {
            (Some(app), _) => format!("app:{app}"),
            (None, Some(user)) => format!("user:{user}"),
            (None, None) => format!("{}:{}", self.kind.as_str(), self.tenant_id),
        }
    }
}
