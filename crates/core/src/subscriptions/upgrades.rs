//! Upgrades: the offers a subscription can move to, what stands in the way, and the move
//! itself (a new subscription gets the licences; the old one is suspended).

use super::*;

/// Partner Center's Upgrade: a target offer and whether the subscription can move to it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Upgrade {
    pub target_offer: crate::catalog::Offer,
    pub upgrade_type: &'static str,
    pub is_eligible: bool,
    pub quantity: i32,
    pub upgrade_errors: Vec<UpgradeError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeError {
    pub code: String,
    pub description: String,
}

/// Partner Center's UpgradeResult.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeResult {
    pub source_subscription_id: String,
    #[serde(rename = "targetSubscriptionID")]
    pub target_subscription_id: String,
    pub upgrade_type: String,
    pub upgrade_errors: Vec<UpgradeError>,
}

impl Replayable for UpgradeResult {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

pub(super) fn upgrade_error(code: &str, description: impl Into<String>) -> UpgradeError {
    UpgradeError {
        code: code.to_owned(),
        description: description.into(),
    }
}

/// What stops the subscription moving to `target`, if anything (Partner Center's names).
pub(super) async fn upgrade_blockers(
    c: &mut Conn<'_>,
    cust: &CustomerRow,
    row: &SubscriptionRow,
    source: &OfferRow,
    target: Option<&OfferRow>,
) -> Result<Vec<UpgradeError>, CoreError> {
    let mut errors = Vec::new();
    if row.status != SubscriptionStatus::Active {
        errors.push(upgrade_error(
            "subscription_status_not_active",
            format!("the subscription is {}", row.status),
        ));
    }
    match target {
        Some(t)
            if t.available
                && split(&t.countries).contains(&cust.country)
                && split(&source.upgrade_targets).iter().any(|x| x == t.id.as_str()) => {}
        _ => errors.push(upgrade_error(
            "subscription_target_offer_not_found",
            "the target offer is not an upgrade path of this subscription's offer on sale in the customer's country",
        )),
    }
    if let Some((_, o)) = dependent_add_ons(c, &cust.tenant_id, row)
        .await?
        .into_iter()
        .find(|(s, _)| s.status == SubscriptionStatus::Active)
    {
        errors.push(upgrade_error(
            "subscription_add_ons_present",
            format!("the add-on {} depends on this subscription", o.name),
        ));
    }
    Ok(errors)
}

/// The customer's subscriptions (not cancelled) of add-ons that need this subscription's
/// offer, bought from the same provider (an add-on is sold with its base), with their offers;
/// each offer is read once.
pub(super) async fn dependent_add_ons(
    c: &mut Conn<'_>,
    customer: &TenantId,
    row: &SubscriptionRow,
) -> Result<Vec<(SubscriptionRow, OfferRow)>, CoreError> {
    let mut offers: HashMap<OfferId, Option<OfferRow>> = HashMap::new();
    let mut out = Vec::new();
    for s in rows::of_customer(c, customer, None, None).await? {
        if s.id == row.id
            || s.status == SubscriptionStatus::Deleted
            || s.provider_tenant_id != row.provider_tenant_id
        {
            continue;
        }
        if !offers.contains_key(&s.offer_id) {
            let o = offer_rows::find(c, &s.offer_id).await?;
            offers.insert(s.offer_id.clone(), o);
        }
        if let Some(Some(o)) = offers.get(&s.offer_id)
            && o.is_add_on
            && split(&o.prerequisites)
                .iter()
                .any(|p| p == row.offer_id.as_str())
        {
            out.push((s, o.clone()));
        }
    }
    Ok(out)
}

/// The offers this subscription can be upgraded to, each with what stands in the way.
pub async fn upgrades(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<Vec<Upgrade>, CoreError> {
    let mut c = svc.db.read().await?;
    let (cust, row) = readable(&mut c.conn(), actor, customer, id).await?;
    let source = offer_of(&mut c.conn(), &row).await?;
    let mut out = Vec::new();
    for target_id in split(&source.upgrade_targets) {
        let Some(target) = (match OfferId::parse(&target_id) {
            Some(id) => offer_rows::find(&mut c.conn(), &id).await?,
            None => None,
        }) else {
            continue;
        };
        let errors = upgrade_blockers(&mut c.conn(), &cust, &row, &source, Some(&target)).await?;
        out.push(Upgrade {
            target_offer: crate::catalog::offer(target, &cust.country, 0, false),
            upgrade_type: "upgrade_with_license_transfer",
            is_eligible: errors.is_empty(),
            quantity: row.quantity,
            upgrade_errors: errors,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UpgradeInput {
    pub target_offer: UpgradeTarget,
    pub upgrade_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UpgradeTarget {
    pub id: String,
}

/// Moves the licences to a new subscription of the target offer (same quantity, reseller of
/// record and support contact); the source is suspended and the two are linked.
pub async fn upgrade(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    id: &str,
    input: &UpgradeInput,
) -> Result<UpgradeResult, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, UpgradeResult);
    let (cust, row) =
        authorize_change(&mut ch.conn(), actor, customer, id, Right::Provider).await?;
    if let Some(t) = input.upgrade_type.as_deref().map(str::trim)
        && !t.is_empty()
        && !t
            .replace('_', "")
            .eq_ignore_ascii_case("upgradewithlicensetransfer")
    {
        return Err(CoreError::invalid(
            "upgradeType",
            "twotier upgrades with licence transfer (upgrade_with_license_transfer)",
        ));
    }
    let source = offer_of(&mut ch.conn(), &row).await?;
    let target = match OfferId::parse(&input.target_offer.id) {
        Some(id) => offer_rows::find(&mut ch.conn(), &id).await?,
        None => None,
    };
    let errors = upgrade_blockers(&mut ch.conn(), &cust, &row, &source, target.as_ref()).await?;
    if let Some(first) = errors.first() {
        return Err(CoreError::rule(
            Code::UpgradeNotEligible,
            format!("{}: {}", first.code, first.description),
        ));
    }
    let Some(target) = target else {
        return Err(CoreError::NotFound);
    };
    if row.quantity < target.min_quantity || row.quantity > target.max_quantity {
        return Err(CoreError::rule(
            Code::QuantityOutOfRange,
            format!(
                "{} takes quantities of {} to {}; change the licence count first",
                target.name, target.min_quantity, target.max_quantity
            ),
        ));
    }
    let now = svc.now();
    let order_id = OrderId::generate();
    order_rows::insert_order(
        &mut ch.conn(),
        &order_rows::OrderRow {
            id: order_id.clone(),
            customer_tenant_id: customer.clone(),
            provider_tenant_id: row.provider_tenant_id.clone(),
            billing_cycle: row.billing_cycle,
            status: OrderStatus::Completed,
            created_by: actor.label.clone(),
            created_at: now.millis(),
        },
    )
    .await?;
    let new_id = SubscriptionId::generate();
    let new_row = SubscriptionRow {
        id: new_id.clone(),
        customer_tenant_id: customer.clone(),
        provider_tenant_id: row.provider_tenant_id.clone(),
        order_id,
        line_item_number: 0,
        offer_id: target.id.clone(),
        offer_name: target.name.clone(),
        friendly_name: target.name.clone(),
        quantity: row.quantity,
        unit_type: target.unit_type.clone(),
        status: SubscriptionStatus::Active,
        billing_cycle: row.billing_cycle,
        term: target.term,
        auto_renew: row.auto_renew,
        reseller_tenant_id: row.reseller_tenant_id.clone(),
        partner_id_on_record: row.partner_id_on_record.clone(),
        created_at: now.millis(),
        effective_start: now.millis(),
        commitment_end: target.term.end_from(now).millis(),
        version: 1,
        updated_at: now.millis(),
        support_tenant_id: row.support_tenant_id.clone(),
        upgraded_from: Some(row.id.to_string()),
        upgraded_to: None,
    };
    rows::insert(&mut ch.conn(), &new_row).await?;
    record_history(&mut ch, &new_row).await?;
    let patch = Patch {
        quantity: row.quantity,
        status: SubscriptionStatus::Suspended,
        friendly_name: &row.friendly_name,
        auto_renew: row.auto_renew,
        reseller_tenant_id: row.reseller_tenant_id.as_ref(),
        partner_id_on_record: row.partner_id_on_record.as_deref(),
        support_tenant_id: row.support_tenant_id.as_ref(),
        upgraded_from: row.upgraded_from.as_deref(),
        upgraded_to: Some(new_id.as_str()),
    };
    if !rows::update(&mut ch.conn(), &row.id, row.version, &patch, now.millis()).await? {
        return Err(CoreError::Stale);
    }
    let source_after = rows::find(&mut ch.conn(), customer, &row.id)
        .await?
        .ok_or(CoreError::NotFound)?;
    record_history(&mut ch, &source_after).await?;
    let out = UpgradeResult {
        source_subscription_id: row.id.to_string(),
        target_subscription_id: new_id.to_string(),
        upgrade_type: "upgrade_with_license_transfer".to_owned(),
        upgrade_errors: Vec::new(),
    };
    ch.audit(
        Event::new(
            Operation::UpgradeSubscription,
            ResourceType::Subscription,
            &row.id,
        )
        .about(&seller(&row))
        .customer(customer, &cust.company_name)
        .old(serde_json::json!({ "SubscriptionId": row.id, "OfferId": row.offer_id, "Quantity": row.quantity }))
        .new_value(serde_json::json!({ "SubscriptionId": new_id, "OfferId": target.id, "Quantity": row.quantity })),
    )
    .await?;
    ch.commit(&out).await?;
    Ok(out)
}
