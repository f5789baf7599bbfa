//! The subscription page: its facts and every change, each confirmed before
//! it is made. Forms carry the version the page showed; a change made meanwhile by someone
//! else is refused, and the page shows the subscription as it now is.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use std::collections::HashMap;
use twotier_core::CoreError;
use twotier_core::auth::Session;
use twotier_core::subscriptions::{
    self, ChangeInput, Named, Proposal, Subscription, SupportContact, SupportContactInput, Upgrade,
    UpgradeInput, UpgradeTarget,
};
use twotier_domain::FieldErrors;
use twotier_domain::ids::TenantId;
use twotier_domain::subscription::SubscriptionStatus;

use super::{Ctx, FormData, field_errors, render_status};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::{Meta, Viewer};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

#[derive(Template)]
#[template(path = "subscription.html")]
struct SubscriptionPage {
    ctx: Ctx,
    customer_id: String,
    customer_name: String,
    sub: Subscription,
    support: SupportContact,
    candidates: Vec<SupportContact>,
    upgrades: Vec<Upgrade>,
    /// Quantity, suspend, reactivate, rename, auto-renew (the provider, or a reseller on the
    /// customer's behalf).
    can_manage: bool,
    /// Cancel and upgrade.
    can_provider: bool,
    can_set_partner: bool,
    can_set_support: bool,
    errors: FieldErrors,
    /// (MPN ID, name) of the resellers that may be the reseller of record.
    resellers: Vec<(String, String)>,
    reseller_name: Option<String>,
    upgraded_from_name: Option<String>,
    upgraded_to_name: Option<String>,
    typed: FormData,
}

impl SubscriptionPage {
    fn typed_or(&self, name: &str, current: &str) -> String {
        let typed = self.typed.get(name);
        if typed.is_empty() && self.typed.0.iter().all(|(k, _)| k != name) {
            current.to_owned()
        } else {
            typed
        }
    }
    fn suspended(&self) -> bool {
        self.sub.status == SubscriptionStatus::Suspended
    }
    fn eligible_upgrades(&self) -> Vec<&Upgrade> {
        self.upgrades.iter().filter(|u| u.is_eligible).collect()
    }
}

#[derive(Template)]
#[template(path = "subscription_confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    heading: String,
    what: String,
    /// The confirming button's words, and whether the change is destructive (red).
    confirm_label: &'static str,
    danger: bool,
    action_href: String,
    fields: Vec<(String, String)>,
    back_href: String,
}

fn ids(id: &str) -> Result<TenantId, Box<Response>> {
    TenantId::parse(id).ok_or_else(|| Box::new(PageError(CoreError::NotFound).into_response()))
}

pub async fn subscription_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path((id, sid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let id = match ids(&id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let ctx =
        Ctx::new(&s, "Subscription", "/customers").with_flash(q.get("done").map(String::as_str));
    view(
        &state,
        &s,
        ctx,
        &id,
        &sid,
        StatusCode::OK,
        FieldErrors::new(),
        FormData(Vec::new()),
    )
    .await
    .into_response()
}

#[expect(clippy::too_many_arguments, reason = "one page, many ways to show it")]
async fn view(
    state: &AppState,
    s: &Session,
    mut ctx: Ctx,
    id: &TenantId,
    sid: &str,
    status: StatusCode,
    errors: FieldErrors,
    typed: FormData,
) -> PageResult {
    let v = subscriptions::view(&state.svc, &s.actor, id, sid).await?;
    ctx.title = v.subscription.friendly_name.clone();
    let customer_href = format!("/customers/{}", v.customer_id);
    let ctx = ctx.with_crumbs(
        &[
            ("/customers", "Customers"),
            (&customer_href, &v.customer_name),
        ],
        &v.subscription.friendly_name,
    );
    Ok(render_status(
        status,
        &SubscriptionPage {
            ctx,
            can_manage: v.abilities.change,
            can_provider: v.abilities.cancel_or_upgrade,
            can_set_partner: v.abilities.set_reseller_of_record,
            can_set_support: v.abilities.set_support_contact,
            customer_id: v.customer_id,
            customer_name: v.customer_name,
            sub: v.subscription,
            support: v.support,
            candidates: v.support_candidates,
            upgrades: v.upgrades,
            errors,
            resellers: v.resellers,
            reseller_name: v.reseller_name,
            upgraded_from_name: v.upgraded_from_name,
            upgraded_to_name: v.upgraded_to_name,
            typed,
        },
    ))
}

/// What an action will do, in words, for the confirmation step; `named` is the name of what
/// it points at (read with the subscription).
/// The change of the subscription's own fields a form asks for (`None` for a support
/// contact or an upgrade, which have their own use cases); a value that is not one is an
/// error next to its field.
fn change_input(action: &str, form: &FormData) -> Result<Option<ChangeInput>, FieldErrors> {
    let status = |s: SubscriptionStatus| ChangeInput {
        status: Some(s.as_str().to_owned()),
        ..ChangeInput::default()
    };
    Ok(Some(match action {
        "quantity" => {
            let Ok(quantity) = form.get("quantity").trim().parse::<i64>() else {
                return Err(FieldErrors::single(
                    "quantity",
                    "give the licence count as a whole number",
                ));
            };
            ChangeInput {
                quantity: Some(quantity),
                ..ChangeInput::default()
            }
        }
        "suspend" => status(SubscriptionStatus::Suspended),
        "reactivate" => status(SubscriptionStatus::Active),
        "cancel" => status(SubscriptionStatus::Deleted),
        "rename" => ChangeInput {
            friendly_name: Some(form.get("friendly_name")),
            ..ChangeInput::default()
        },
        "autorenew" => ChangeInput {
            auto_renew_enabled: Some(form.get("auto_renew") == "on"),
            ..ChangeInput::default()
        },
        "partner" => {
            let mpn = form.get("partner_id").trim().to_owned();
            ChangeInput {
                partner_id: Some((!mpn.is_empty()).then_some(mpn)),
                ..ChangeInput::default()
            }
        }
        "support" | "upgrade" => return Ok(None),
        _ => return Err(FieldErrors::single("form", "choose a change to make")),
    }))
}

/// What the confirmation says will happen: before → after, from the checked proposal.
fn describe(p: &Proposal, form: &FormData) -> Result<String, CoreError> {
    let sub = &p.subscription;
    let after = p.after.as_ref().unwrap_or(sub);
    let name = &sub.friendly_name;
    let named = p.named.as_deref().unwrap_or_default();
    Ok(match form.get("action").as_str() {
        "quantity" if after.quantity > sub.quantity => format!(
            "Change the licence count of {name} from {} to {}. The {} added licences are committed until the term ends on {}.",
            sub.quantity,
            after.quantity,
            after.quantity - sub.quantity,
            sub.commitment_end_date.date()
        ),
        "quantity" => format!(
            "Change the licence count of {name} from {} to {}.",
            sub.quantity, after.quantity
        ),
        "suspend" => format!(
            "Suspend {name}. Its {} licences stop working until it is reactivated.",
            sub.quantity
        ),
        "reactivate" => format!(
            "Reactivate {name}; its {} licences work again.",
            sub.quantity
        ),
        "cancel" => format!(
            "Cancel {name}. This cannot be undone. (Cancelling is possible until {}.)",
            sub.cancellation_allowed_until_date.display()
        ),
        "rename" => format!("Rename {name} to {}.", after.friendly_name),
        "autorenew" => format!(
            "Turn auto-renew {} for {name}.",
            if after.auto_renew_enabled {
                "on"
            } else {
                "off"
            }
        ),
        "partner" if form.get("partner_id").trim().is_empty() => {
            format!("Remove the reseller of record of {name}.")
        }
        "partner" => format!(
            "Make {named} (MPN ID {}) the reseller of record of {name}.",
            form.get("partner_id").trim()
        ),
        "support" => format!("Designate {named} as the support contact for {name}."),
        "upgrade" => format!(
            "Upgrade {name} to {named}: a new subscription gets its {} licences, and this one is suspended.",
            sub.quantity
        ),
        _ => return Err(CoreError::invalid("action", "unknown action")),
    })
}

/// The subscription page again, with a refused form's errors and what it was given.
async fn shown_again(
    state: &AppState,
    s: &Session,
    id: &TenantId,
    sid: &str,
    status: StatusCode,
    errors: FieldErrors,
    typed: FormData,
) -> PageResult {
    let ctx = Ctx::new(s, "Subscription", "/customers");
    view(state, s, ctx, id, sid, status, errors, typed).await
}

/// What a change will do, before anything is done: each change form opens this page with
/// GET (so Back and Reload are safe), and it shows the change, before and after, with a
/// Confirm button; a value that is not one is refused next to its field instead.
pub async fn confirm_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path((id, sid)): Path<(String, String)>,
    Query(fields): Query<Vec<(String, String)>>,
) -> PageResult {
    let id = match ids(&id) {
        Ok(id) => id,
        Err(r) => return Ok(*r),
    };
    propose(&state, &s, &id, &sid, FormData(fields)).await
}

async fn propose(
    state: &AppState,
    s: &Session,
    id: &TenantId,
    sid: &str,
    form: FormData,
) -> PageResult {
    let page = |status, errors, typed| shown_again(state, s, id, sid, status, errors, typed);
    let action = form.get("action");
    // The change as the form gives it; a value that is not one is refused before anything
    // is confirmed.
    let input = match change_input(&action, &form) {
        Ok(input) => input,
        Err(errors) => {
            return page(StatusCode::UNPROCESSABLE_ENTITY, errors, form).await;
        }
    };
    let etag = Some(form.get("etag"));
    let (partner_id, support, target) = (
        form.get("partner_id"),
        form.get("support_tenant_id"),
        form.get("target_offer"),
    );
    let named = match action.as_str() {
        "partner" if !partner_id.trim().is_empty() => Named::PartnerId(&partner_id),
        "support" => Named::SupportTenant(&support),
        "upgrade" => Named::UpgradeTarget(&target),
        _ => Named::Nothing,
    };
    let checked = input.as_ref().map(|i| (i, etag.as_deref()));
    let described = subscriptions::proposal(&state.svc, &s.actor, id, sid, named, checked)
        .await
        .and_then(|p| {
            let what = describe(&p, &form)?;
            Ok((p, what))
        });
    Ok(match described {
        Ok((p, _)) if p.changes_nothing() => {
            page(
                StatusCode::OK,
                FieldErrors::single(
                    "form",
                    "Nothing to change: the subscription already is as you asked.",
                ),
                form,
            )
            .await?
        }
        Ok((p, what)) => {
            let mut fields: Vec<(String, String)> = form
                .0
                .iter()
                .filter(|(k, _)| k != "_csrf" && k != "request_key")
                .cloned()
                .collect();
            fields.push(("confirmed".to_owned(), "yes".to_owned()));
            let (confirm_label, danger) = match form.get("action").as_str() {
                "cancel" => ("Yes, cancel the subscription", true),
                "suspend" => ("Yes, suspend it", true),
                _ => ("Confirm", false),
            };
            let sub_href = format!("/customers/{id}/subscriptions/{sid}");
            let name = p.subscription.friendly_name.clone();
            render_status(
                StatusCode::OK,
                &ConfirmPage {
                    ctx: Ctx::new(s, "Confirm the change", "/customers").with_crumbs(
                        &[("/customers", "Customers"), (&sub_href, &name)],
                        "Confirm the change",
                    ),
                    heading: format!("Confirm: {name}"),
                    confirm_label,
                    danger,
                    what,
                    action_href: format!("/customers/{id}/subscriptions/{sid}"),
                    fields,
                    back_href: format!("/customers/{id}/subscriptions/{sid}"),
                },
            )
        }
        Err(e) => failed(e, &page, form).await.into_response(),
    })
}

/// A confirmed change (`confirmed=yes`, from the confirm page) is done here; an unconfirmed
/// post shows the confirm page as [`confirm_page`] does.
pub async fn change(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path((id, sid)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("subscription:{id}:{sid}"));
    let id = match ids(&id) {
        Ok(id) => id,
        Err(r) => return Ok(*r),
    };
    if form.get("confirmed") != "yes" {
        return propose(&state, &s, &id, &sid, form).await;
    }
    let page = |status, errors, typed| shown_again(&state, &s, &id, &sid, status, errors, typed);
    let action = form.get("action");
    let input = match change_input(&action, &form) {
        Ok(input) => input,
        Err(errors) => {
            return page(StatusCode::UNPROCESSABLE_ENTITY, errors, form).await;
        }
    };
    let etag = Some(form.get("etag"));
    let svc = &state.svc;
    let done = match action.as_str() {
        "quantity" => "subscription-quantity",
        "suspend" => "subscription-suspended",
        "reactivate" => "subscription-reactivated",
        "cancel" => "subscription-cancelled",
        "rename" => "subscription-renamed",
        "autorenew" => "subscription-autorenew",
        "partner" => "subscription-partner",
        "support" => "subscription-support",
        _ => "subscription-upgraded",
    };
    let result = match (input, action.as_str()) {
        (Some(input), _) => {
            subscriptions::change(svc, &s.actor, &meta, &id, &sid, etag.as_deref(), &input)
                .await
                .map(|s| s.id)
        }
        (None, "support") => subscriptions::set_support_contact(
            svc,
            &s.actor,
            &meta,
            &id,
            &sid,
            &SupportContactInput {
                support_tenant_id: Some(form.get("support_tenant_id")),
                support_mpn_id: None,
            },
        )
        .await
        .map(|_| sid.clone()),
        (None, _) => subscriptions::upgrade(
            svc,
            &s.actor,
            &meta,
            &id,
            &sid,
            &UpgradeInput {
                target_offer: UpgradeTarget {
                    id: form.get("target_offer"),
                },
                upgrade_type: None,
            },
        )
        .await
        .map(|r| r.target_subscription_id),
    };
    Ok(match result {
        Ok(shown) => Redirect::to(&format!(
            "/customers/{id}/subscriptions/{shown}?done={done}"
        ))
        .into_response(),
        Err(e) => failed(e, &page, form).await.into_response(),
    })
}

/// A refused change: the page again, with the reason next to the form (and, when someone
/// else changed the subscription meanwhile, as it now is).
async fn failed<F, Fut>(e: CoreError, page: &F, form: FormData) -> PageResult
where
    F: Fn(StatusCode, FieldErrors, FormData) -> Fut,
    Fut: Future<Output = PageResult>,
{
    match e {
        CoreError::Stale => {
            page(
                StatusCode::CONFLICT,
                FieldErrors::single(
                    "form",
                    "This subscription changed since you opened it. The page now shows it as it is; make your change again.",
                ),
                FormData(Vec::new()),
            )
            .await
        }
        e => match field_errors(e) {
            Ok(errors) => page(StatusCode::UNPROCESSABLE_ENTITY, errors, form).await,
            Err(p) => Err(p),
        },
    }
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/customers/{id}/subscriptions/{subscription_id}", Policy::Permission(P::ViewCustomers),       subscription_page)
        .get   ("/customers/{id}/subscriptions/{subscription_id}/confirm", Policy::Permission(P::ManageSubscriptions), confirm_page)
        .post  ("/customers/{id}/subscriptions/{subscription_id}", Policy::Permission(P::ManageSubscriptions), change);
}
