//! The new-customer wizard's drafts: what was typed, kept between the steps for the session
//! that typed it, so each step is a page of its own (Back and Reload safe) and nothing is
//! created until Submit.

use twotier_domain::authz::Permission;
use twotier_domain::ids::WizardDraftId;
use twotier_domain::tenant::TenantKind;
use twotier_store::wizard_drafts as store;

use crate::auth::Session;
use crate::{CoreError, Services, authz};

/// A draft goes a day after its last change.
const KEEP_MILLIS: i64 = 24 * 3_600_000;

/// The typed fields, as a form sends them (name, value).
pub type Fields = Vec<(String, String)>;

fn allowed(session: &Session) -> Result<(), CoreError> {
    authz::require(&session.actor, Permission::CreateCustomers)?;
    if session.actor.tenant_kind != TenantKind::Provider {
        return Err(CoreError::NotFound);
    }
    Ok(())
}

/// Saves the fields as the draft `id`, or as a new draft; returns its id.
pub async fn save(
    svc: &Services,
    session: &Session,
    id: Option<&str>,
    fields: &Fields,
) -> Result<WizardDraftId, CoreError> {
    allowed(session)?;
    let id = match id {
        Some(id) => WizardDraftId::parse(id).ok_or(CoreError::NotFound)?,
        None => WizardDraftId::generate(),
    };
    let json = serde_json::to_string(fields)?;
    let now = svc.now().millis();
    let mut tx = svc.db.begin().await?;
    store::save(
        &mut tx.conn(),
        &id,
        session.id_hash(),
        &json,
        now,
        now - KEEP_MILLIS,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The session's draft `id`; `None` when it was submitted, has gone or is another's.
pub async fn load(
    svc: &Services,
    session: &Session,
    id: &str,
) -> Result<Option<Fields>, CoreError> {
    allowed(session)?;
    let Some(id) = WizardDraftId::parse(id) else {
        return Ok(None);
    };
    let now = svc.now().millis();
    let mut c = svc.db.read().await?;
    let json = store::find(&mut c.conn(), &id, session.id_hash(), now - KEEP_MILLIS).await?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// Forgets the draft (its customer was created).
pub async fn discard(svc: &Services, session: &Session, id: &str) -> Result<(), CoreError> {
    allowed(session)?;
    let Some(id) = WizardDraftId::parse(id) else {
        return Ok(());
    };
    let mut tx = svc.db.begin().await?;
    store::delete(&mut tx.conn(), &id, session.id_hash()).await?;
    tx.commit().await?;
    Ok(())
}
