//! Changing a subscription: licence count, status, name, auto-renew and the reseller of
//! record on its etag, and licence deltas; each change writes its audit and history.

use super::*;

/// A change to one subscription; absent fields stay as they are. `partnerId` present and
/// empty removes the reseller of record.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChangeInput {
    pub quantity: Option<i64>,
    pub status: Option<String>,
    pub friendly_name: Option<String>,
    pub auto_renew_enabled: Option<bool>,
    #[serde(deserialize_with = "present")]
    pub partner_id: Option<Option<String>>,
}

/// Tells "absent" (`None`) from "present but null" (`Some(None)`).
pub(super) fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(Some(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    }))
}

pub(super) fn status_of(raw: &str) -> Result<SubscriptionStatus, CoreError> {
    SubscriptionStatus::parse(raw).map_err(|e| CoreError::field("status", e))
}

/// Applies a change, if `etag` is the subscription's current version.
pub async fn change(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    id: &str,
    etag: Option<&str>,
    input: &ChangeInput,
) -> Result<Subscription, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, Subscription);
    let out = change_in(&mut ch, customer, id, etag, input).await?;
    ch.commit(&out).await?;
    Ok(out)
}

/// Checks a change with every rule of [`change`] and returns the subscription as it would
/// be after it, writing nothing: the change runs in a transaction that is rolled back, so
/// a confirmation step refuses exactly what the change would refuse.
pub(super) async fn dry_run(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
    etag: Option<&str>,
    input: &ChangeInput,
) -> Result<Subscription, CoreError> {
    let meta = RequestMeta::default();
    let mut ch = match Change::begin::<Subscription>(svc, actor, &meta).await? {
        crate::write::Begun::Fresh(ch) => ch,
        crate::write::Begun::Replay(done) => return Ok(done),
    };
    // Dropped without a commit: rolled back.
    change_in(&mut ch, customer, id, etag, input).await
}

pub(super) async fn change_in(
    ch: &mut Change<'_>,
    customer: &TenantId,
    id: &str,
    etag: Option<&str>,
    input: &ChangeInput,
) -> Result<Subscription, CoreError> {
    let (svc, actor) = (ch.svc, ch.actor);
    let new_status = input.status.as_deref().map(status_of).transpose()?;
    let (cust, row) =
        authorize_change(&mut ch.conn(), actor, customer, id, Right::OnBehalf).await?;
    // Partner Center clients send the whole resource back: only fields that differ count,
    // and the change needs the strongest right any of them needs.
    let por_wanted = input.partner_id.as_ref().map(|p| {
        p.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    });
    if por_wanted
        .as_ref()
        .is_some_and(|p| *p != row.partner_id_on_record)
    {
        check_right(
            actor,
            row.provider_tenant_id.as_str(),
            Right::ProviderWith(Permission::SetResellerOfRecord),
        )?;
    }
    if new_status == Some(SubscriptionStatus::Deleted) && row.status.is_open() {
        check_right(actor, row.provider_tenant_id.as_str(), Right::Provider)?;
    }
    let version = parse_version(etag)?;
    if version != row.version {
        return Err(CoreError::Stale);
    }
    let offer = offer_of(&mut ch.conn(), &row).await?;
    let now = svc.now();
    if row.status == SubscriptionStatus::Deleted {
        return Err(CoreError::rule(
            Code::SubscriptionCancelled,
            "this subscription is cancelled and cannot be changed",
        ));
    }
    let status_changes = new_status.filter(|s| *s != row.status);
    let quantity = match input.quantity {
        None => row.quantity,
        Some(q) => i32::try_from(q).map_err(|_| {
            CoreError::rule(
                Code::QuantityOutOfRange,
                "the quantity is outside the offer's bounds",
            )
        })?,
    };
    let quantity_changes = quantity != row.quantity;
    if quantity < row.quantity {
        // Locked so a licence assignment cannot slip in between the count and the update.
        licences::lock_subscription(&mut ch.conn(), &row.id).await?;
        let assigned = licences::count(&mut ch.conn(), &row.id).await?;
        if i64::from(quantity) < assigned {
            return Err(below_assigned_error(assigned));
        }
    }
    if quantity_changes && status_changes.is_some() {
        return Err(CoreError::rule(
            Code::QuantityAndStatusTogether,
            "change the quantity and the status in separate requests",
        ));
    }
    if let Some(to) = status_changes {
        if !row.status.can_become(to) {
            return Err(CoreError::rule(
                Code::StatusTransition,
                format!("the status cannot change from {} to {to}", row.status),
            ));
        }
        if to == SubscriptionStatus::Deleted && !inside_window(&row, &offer, now) {
            return Err(CoreError::rule(
                Code::CancelAfterWindow,
                format!(
                    "the subscription is past the {}-day cancellation window",
                    offer.cancellation_window_days
                ),
            ));
        }
    }
    let por_changes = por_wanted.filter(|p| *p != row.partner_id_on_record);
    let auto_renew = input.auto_renew_enabled.unwrap_or(row.auto_renew);
    if row.status == SubscriptionStatus::Suspended
        && (quantity_changes || por_changes.is_some() || auto_renew != row.auto_renew)
    {
        return Err(CoreError::rule(
            Code::SubscriptionSuspended,
            "a suspended subscription can only be reactivated, cancelled or renamed",
        ));
    }
    if quantity_changes {
        check_quantity(&row, &offer, quantity, now)?;
    }
    let friendly_name = match input.friendly_name.as_deref().map(str::trim) {
        None => row.friendly_name.clone(),
        Some("") => {
            return Err(CoreError::invalid(
                "friendlyName",
                "the name cannot be empty",
            ));
        }
        Some(n) if n.chars().count() > 200 => {
            return Err(CoreError::invalid(
                "friendlyName",
                "use at most 200 characters",
            ));
        }
        Some(n) => n.to_owned(),
    };
    let reseller = match &por_changes {
        None => row.reseller_tenant_id.clone(),
        Some(None) => None,
        Some(Some(mpn)) => {
            let provider = partner_rows::find(&mut ch.conn(), &row.provider_tenant_id)
                .await?
                .ok_or(CoreError::NotFound)?;
            Some(crate::partnerships::partner_of_record(&mut ch.conn(), &provider, mpn).await?)
        }
    };
    let status = status_changes.unwrap_or(row.status);
    let partner_id = por_changes
        .clone()
        .unwrap_or_else(|| row.partner_id_on_record.clone());
    let patch = Patch {
        quantity,
        status,
        friendly_name: &friendly_name,
        auto_renew,
        reseller_tenant_id: reseller.as_ref(),
        partner_id_on_record: partner_id.as_deref(),
        support_tenant_id: row.support_tenant_id.as_ref(),
        upgraded_from: row.upgraded_from.as_deref(),
        upgraded_to: row.upgraded_to.as_deref(),
    };
    if !rows::update(&mut ch.conn(), &row.id, row.version, &patch, now.millis()).await? {
        return Err(CoreError::Stale);
    }
    let changed: Vec<(&str, serde_json::Value, serde_json::Value)> = [
        (
            "quantity",
            serde_json::json!(row.quantity),
            serde_json::json!(quantity),
        ),
        (
            "status",
            serde_json::json!(row.status),
            serde_json::json!(status),
        ),
        (
            "friendlyName",
            serde_json::json!(row.friendly_name),
            serde_json::json!(friendly_name),
        ),
        (
            "autoRenewEnabled",
            serde_json::json!(row.auto_renew),
            serde_json::json!(auto_renew),
        ),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .collect();
    for (field, old, new) in changed {
        ch.audit(
            Event::new(
                Operation::UpdateSubscription,
                ResourceType::Subscription,
                &row.id,
            )
            .about(&seller(&row))
            .customer(customer, &cust.company_name)
            .old(serde_json::json!({ "field": field, "value": old }))
            .new_value(serde_json::json!({ "field": field, "value": new })),
        )
        .await?;
    }
    if let Some(por) = &por_changes {
        let op = if row.partner_id_on_record.is_none() {
            Operation::CreateMpnAssociation
        } else {
            Operation::UpdateMpnAssociation
        };
        ch.audit(
            Event::new(op, ResourceType::MpnAssociation, &row.id)
                .about(&seller(&row))
                .customer(customer, &cust.company_name)
                .old(serde_json::json!({ "SubscriptionId": row.id, "PartnerId": row.partner_id_on_record }))
                .new_value(serde_json::json!({ "SubscriptionId": row.id, "PartnerId": por })),
        )
        .await?;
    }
    let after = rows::find(&mut ch.conn(), customer, &row.id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if quantity_changes || status_changes.is_some() || por_changes.is_some() {
        record_history(ch, &after).await?;
    }
    Ok(from_row(after, offer.cancellation_window_days))
}

/// Quantity within the offer's bounds, and lowered only inside the cancellation window.
pub(super) fn check_quantity(
    row: &SubscriptionRow,
    offer: &OfferRow,
    quantity: i32,
    now: Timestamp,
) -> Result<(), CoreError> {
    if quantity < offer.min_quantity || quantity > offer.max_quantity {
        return Err(CoreError::rule(
            Code::QuantityOutOfRange,
            format!(
                "{} takes quantities of {} to {}",
                offer.name, offer.min_quantity, offer.max_quantity
            ),
        ));
    }
    if quantity < row.quantity && !inside_window(row, offer, now) {
        return Err(CoreError::rule(
            Code::DecreaseAfterWindow,
            format!(
                "the licence count cannot be lowered after the {}-day cancellation window",
                offer.cancellation_window_days
            ),
        ));
    }
    Ok(())
}

/// The state after a change, for the incentives.
pub(crate) async fn record_history(
    ch: &mut Change<'_>,
    row: &SubscriptionRow,
) -> Result<(), CoreError> {
    rows::insert_history(
        &mut ch.conn(),
        &HistoryRow {
            id: SubscriptionId::generate().to_string(),
            subscription_id: row.id.clone(),
            provider_tenant_id: row.provider_tenant_id.clone(),
            customer_tenant_id: row.customer_tenant_id.clone(),
            offer_id: row.offer_id.clone(),
            at: row.updated_at,
            quantity: row.quantity,
            status: row.status,
            reseller_tenant_id: row.reseller_tenant_id.clone(),
        },
    )
    .await?;
    Ok(())
}

/// Adds (or with a negative delta removes) licences without an etag: one conditional update,
/// so concurrent deltas all count and none is lost.
pub async fn add_quantity(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    id: &str,
    delta: i64,
) -> Result<Subscription, CoreError> {
    // Without a request id to replay, the checks read on the read pool, so SQLite's one
    // writer is held only for the conditional update and its records (the update re-checks
    // status and bounds itself). With one, everything happens inside the change, so a repeat
    // returns the first result whatever happened since.
    let loaded = if meta.idempotency.is_none() {
        let mut c = svc.db.read().await?;
        Some(load_for_delta(&mut c.conn(), actor, customer, id).await?)
    } else {
        None
    };
    let mut ch = crate::begin_change!(svc, actor, meta, Subscription);
    let (cust, row, offer) = match loaded {
        Some(l) => l,
        None => load_for_delta(&mut ch.conn(), actor, customer, id).await?,
    };
    let now = svc.now();
    if delta == 0 {
        return Err(CoreError::invalid(
            "quantityDelta",
            "give a non-zero licence delta",
        ));
    }
    // Beyond the offer's largest quantity no delta can be right; refused before any
    // arithmetic, so no backend overflows or wraps.
    if delta.unsigned_abs() > u64::from(offer.max_quantity.unsigned_abs()) {
        return Err(CoreError::rule(
            Code::QuantityOutOfRange,
            format!(
                "{} takes quantities of {} to {}, so a licence delta is between -{max} and {max}",
                offer.name,
                offer.min_quantity,
                offer.max_quantity,
                max = offer.max_quantity
            ),
        ));
    }
    match row.status {
        SubscriptionStatus::Deleted => {
            return Err(CoreError::rule(
                Code::SubscriptionCancelled,
                "this subscription is cancelled and cannot be changed",
            ));
        }
        SubscriptionStatus::Suspended => {
            return Err(CoreError::rule(
                Code::SubscriptionSuspended,
                "a suspended subscription's licence count cannot change",
            ));
        }
        SubscriptionStatus::Active => {}
    }
    if delta < 0 && !inside_window(&row, &offer, now) {
        return Err(CoreError::rule(
            Code::DecreaseAfterWindow,
            format!(
                "the licence count cannot be lowered after the {}-day cancellation window",
                offer.cancellation_window_days
            ),
        ));
    }
    let Some(after) = rows::add_quantity(
        &mut ch.conn(),
        &row.id,
        delta,
        offer.min_quantity,
        offer.max_quantity,
        now.millis(),
    )
    .await?
    else {
        // Refused: say why, as it is now (it may have changed since the checks).
        let now_row = rows::find(&mut ch.conn(), customer, &row.id).await?;
        let status = now_row.as_ref().map(|r| r.status);
        let assigned = licences::count(&mut ch.conn(), &row.id).await?;
        let below_assigned = now_row.is_some_and(|r| i64::from(r.quantity) + delta < assigned);
        return Err(match status {
            Some(SubscriptionStatus::Active) if below_assigned => below_assigned_error(assigned),
            Some(SubscriptionStatus::Deleted) => CoreError::rule(
                Code::SubscriptionCancelled,
                "this subscription is cancelled and cannot be changed",
            ),
            Some(SubscriptionStatus::Suspended) => CoreError::rule(
                Code::SubscriptionSuspended,
                "a suspended subscription's licence count cannot change",
            ),
            Some(SubscriptionStatus::Active) | None => CoreError::rule(
                Code::QuantityOutOfRange,
                format!(
                    "{} takes quantities of {} to {}",
                    offer.name, offer.min_quantity, offer.max_quantity
                ),
            ),
        });
    };
    ch.audit(
        Event::new(
            Operation::UpdateSubscription,
            ResourceType::Subscription,
            &row.id,
        )
        .about(&seller(&row))
        .customer(customer, &cust.company_name)
        .old(serde_json::json!({ "field": "quantity", "value": i64::from(after.quantity) - delta }))
        .new_value(
            serde_json::json!({ "field": "quantity", "value": after.quantity, "delta": delta }),
        ),
    )
    .await?;
    record_history(&mut ch, &after).await?;
    let out = from_row(after, offer.cancellation_window_days);
    ch.commit(&out).await?;
    Ok(out)
}

/// What a licence delta needs to know: the customer, the subscription and its offer, if the
/// actor may change it.
pub(super) async fn load_for_delta(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<(CustomerRow, SubscriptionRow, OfferRow), CoreError> {
    let (cust, row) = authorize_change(c, actor, customer, id, Right::OnBehalf).await?;
    let offer = offer_of(c, &row).await?;
    Ok((cust, row, offer))
}
