//! Orders (Partner Center's Order): a provider buys offers for a customer; each line item
//! becomes an active subscription, with the reseller of record for incentives.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use twotier_domain::FieldErrors;
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::Permission;
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{OfferId, OrderId, SubscriptionId, TenantId};
use twotier_domain::subscription::OrderStatus;
use twotier_domain::subscription::SubscriptionStatus;
use twotier_domain::tenant::TenantKind;
use twotier_domain::term::{BillingCycle, TermDuration};
use twotier_store::orders::{self as rows, OrderRow};
use twotier_store::subscriptions::{self as subscription_rows, SubscriptionRow};
use twotier_store::{
    Conn, catalog as offer_rows, customers as customer_rows, partners as partner_rows,
};

use crate::audit::Event;
use crate::write::Replayable;
use crate::{Code, CoreError, RequestMeta, Services, authz};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LineItemInput {
    pub line_item_number: Option<i64>,
    pub offer_id: String,
    pub quantity: Option<i64>,
    pub partner_id_on_record: Option<String>,
    pub friendly_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrderInput {
    pub billing_cycle: String,
    pub line_items: Vec<LineItemInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    pub line_item_number: i32,
    pub offer_id: String,
    pub subscription_id: String,
    pub quantity: i32,
    pub friendly_name: String,
    pub partner_id_on_record: Option<String>,
}

/// Partner Center's Order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub reference_customer_id: String,
    pub billing_cycle: BillingCycle,
    pub line_items: Vec<LineItem>,
    pub creation_date: Timestamp,
    pub status: OrderStatus,
}

impl Replayable for Order {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

fn order(o: OrderRow, subs: &[SubscriptionRow]) -> Order {
    Order {
        line_items: subs
            .iter()
            .filter(|s| s.order_id == o.id)
            .map(|s| LineItem {
                line_item_number: s.line_item_number,
                offer_id: s.offer_id.to_string(),
                subscription_id: s.id.to_string(),
                quantity: s.quantity,
                friendly_name: s.friendly_name.clone(),
                partner_id_on_record: s.partner_id_on_record.clone(),
            })
            .collect(),
        id: o.id.to_string(),
        reference_customer_id: o.customer_tenant_id.to_string(),
        billing_cycle: o.billing_cycle,
        creation_date: Timestamp(o.created_at),
        status: o.status,
    }
}

/// Only an indirect provider places orders (a reseller asks its provider).
pub fn require_seller(actor: &Actor) -> Result<(), CoreError> {
    if actor.tenant_kind == TenantKind::Provider {
        Ok(())
    } else {
        Err(CoreError::rule(
            Code::ProviderOnly,
            "only the indirect provider places orders; ask your provider",
        ))
    }
}

/// Places an order for a customer: every line item is validated, then all subscriptions are
/// created in one transaction with the order and its audit record.
pub async fn create(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    input: &OrderInput,
) -> Result<Order, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, Order);
    let out = create_in(&mut ch, customer, input).await?;
    ch.commit(&out).await?;
    Ok(out)
}

/// What an order would do, checked as placing it would check it, without placing it: the
/// review step of the UI's Add subscription.
#[derive(Debug, Clone)]
pub struct OrderReview {
    pub customer_name: String,
    pub billing_cycle: BillingCycle,
    pub lines: Vec<ReviewLine>,
}

#[derive(Debug, Clone)]
pub struct ReviewLine {
    pub offer_id: String,
    pub offer_name: String,
    pub quantity: i32,
    pub term: TermDuration,
    /// The end of the commitment if the order were placed now.
    pub commitment_end: Timestamp,
    pub cancellation_window_days: i32,
    /// (MPN ID, name) of the reseller of record.
    pub reseller: Option<(String, String)>,
}

/// Checks an order for the review step: every error placing it would give, nothing written.
pub async fn review(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    input: &OrderInput,
) -> Result<OrderReview, CoreError> {
    let mut c = svc.db.read().await?;
    let checked = check(&mut c.conn(), actor, customer, input).await?;
    let now = svc.now();
    let mut lines = Vec::with_capacity(checked.lines.len());
    for l in checked.lines {
        let reseller = match (&l.reseller, &l.partner_id_on_record) {
            (Some(tenant), Some(mpn)) => partner_rows::find(&mut c.conn(), tenant)
                .await?
                .map(|r| (mpn.clone(), r.name)),
            _ => None,
        };
        lines.push(ReviewLine {
            offer_id: l.offer.id.to_string(),
            quantity: l.quantity,
            term: l.offer.term,
            commitment_end: l.offer.term.end_from(now),
            cancellation_window_days: l.offer.cancellation_window_days,
            offer_name: l.offer.name,
            reseller,
        });
    }
    Ok(OrderReview {
        customer_name: checked.customer.company_name,
        billing_cycle: checked.cycle,
        lines,
    })
}

/// An order that passed every check, ready to be written.
struct Checked {
    customer: twotier_store::customers::CustomerRow,
    cycle: BillingCycle,
    lines: Vec<CheckedLine>,
}

struct CheckedLine {
    number: i64,
    offer: twotier_store::catalog::OfferRow,
    quantity: i32,
    friendly_name: String,
    reseller: Option<TenantId>,
    partner_id_on_record: Option<String>,
}

/// The order's work inside an open change (also used with a new customer).
pub(crate) async fn create_in(
    ch: &mut crate::write::Change<'_>,
    customer: &TenantId,
    input: &OrderInput,
) -> Result<Order, CoreError> {
    let (svc, actor) = (ch.svc, ch.actor);
    let Checked {
        customer: cust,
        cycle,
        lines: checked,
    } = check(&mut ch.conn(), actor, customer, input).await?;
    let now = svc.now();
    let order_id = OrderId::generate();
    rows::insert_order(
        &mut ch.conn(),
        &OrderRow {
            id: order_id.clone(),
            customer_tenant_id: customer.clone(),
            provider_tenant_id: actor.tenant_id.clone(),
            billing_cycle: cycle,
            status: OrderStatus::Completed,
            created_by: actor.label.clone(),
            created_at: now.millis(),
        },
    )
    .await?;
    let mut created = Vec::new();
    for CheckedLine {
        number: k,
        offer,
        quantity,
        friendly_name: friendly,
        reseller,
        partner_id_on_record: por,
    } in checked
    {
        let row = SubscriptionRow {
            id: SubscriptionId::generate(),
            customer_tenant_id: customer.clone(),
            provider_tenant_id: actor.tenant_id.clone(),
            order_id: order_id.clone(),
            line_item_number: i32::try_from(k).unwrap_or_default(),
            offer_id: offer.id.clone(),
            offer_name: offer.name.clone(),
            friendly_name: friendly,
            quantity,
            unit_type: offer.unit_type.clone(),
            status: SubscriptionStatus::Active,
            billing_cycle: cycle,
            term: offer.term,
            auto_renew: true,
            reseller_tenant_id: reseller,
            partner_id_on_record: por,
            created_at: now.millis(),
            effective_start: now.millis(),
            commitment_end: offer.term.end_from(now).millis(),
            version: 1,
            updated_at: now.millis(),
            support_tenant_id: None,
            upgraded_from: None,
            upgraded_to: None,
        };
        subscription_rows::insert(&mut ch.conn(), &row).await?;
        crate::subscriptions::record_history(ch, &row).await?;
        created.push(row);
    }
    let order_row = rows::find_order(&mut ch.conn(), customer, &order_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let out = order(order_row, &created);
    let mut details = serde_json::json!({ "OrderId": out.id, "BillingCycle": out.billing_cycle });
    for li in &out.line_items {
        let k = li.line_item_number;
        details[format!("OfferId-{k}")] = serde_json::json!(li.offer_id);
        details[format!("SubscriptionId-{k}")] = serde_json::json!(li.subscription_id);
        details[format!("Quantity-{k}")] = serde_json::json!(li.quantity);
        details[format!("PartnerOnRecord-{k}")] = serde_json::json!(li.partner_id_on_record);
    }
    ch.audit(
        Event::new(Operation::CreateOrder, ResourceType::Order, &out.id)
            .about(customer)
            .customer(customer, &cust.company_name)
            .new_value(details),
    )
    .await?;
    Ok(out)
}

/// Every check of an order, in one pass: all errors of all line items together.
async fn check(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
    input: &OrderInput,
) -> Result<Checked, CoreError> {
    authz::authorize(c, actor, Permission::PlaceOrders, customer).await?;
    require_seller(actor)?;
    let cust = customer_rows::find(c, customer)
        .await?
        .ok_or(CoreError::NotFound)?;
    let provider = partner_rows::find(c, &actor.tenant_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let mut cycle_text = input.billing_cycle.trim().to_lowercase();
    if cycle_text.is_empty() {
        BillingCycle::Monthly.as_str().clone_into(&mut cycle_text);
    }
    // An unknown cycle is reported on each offer below, as one no offer is billed by.
    let cycle = BillingCycle::from_stored(&cycle_text);
    let n = input.line_items.len();
    if n == 0 || n > 50 {
        return Err(CoreError::invalid(
            "lineItems",
            "an order has 1 to 50 line items",
        ));
    }
    let numbers: BTreeSet<i64> = input
        .line_items
        .iter()
        .filter_map(|l| l.line_item_number)
        .collect();
    if numbers.len() != n || numbers.iter().copied().ne(0..n as i64) {
        return Err(CoreError::rule(
            Code::LineItemNumbers,
            "line item numbers must be 0 to the number of line items minus one, each once",
        ));
    }
    // An add-on is bought from the provider that sold its base subscription.
    let owned: BTreeSet<OfferId> = subscription_rows::of_customer(c, customer, None, None)
        .await?
        .into_iter()
        .filter(|s| {
            s.status == SubscriptionStatus::Active && s.provider_tenant_id == actor.tenant_id
        })
        .map(|s| s.offer_id)
        .collect();
    let in_order: BTreeSet<String> = input
        .line_items
        .iter()
        .map(|l| l.offer_id.trim().to_owned())
        .collect();
    let mut e = FieldErrors::new();
    let mut checked = Vec::new();
    for item in &input.line_items {
        let k = item.line_item_number.unwrap_or_default();
        let field = |name: &str| format!("lineItems[{k}].{name}");
        let offer = match OfferId::parse(&item.offer_id) {
            Some(id) => offer_rows::find(c, &id).await?,
            None => None,
        };
        let Some(offer) = offer else {
            e.add(
                &field("offerId"),
                format!("no offer {}", item.offer_id.trim()),
            );
            continue;
        };
        if !offer.available || !offer.countries.split(',').any(|c| c == cust.country) {
            e.add(
                &field("offerId"),
                format!("{} cannot be bought in {}", offer.name, cust.country),
            );
        }
        if !cycle.is_some_and(|c| offer.cycles().contains(&c)) {
            e.add(
                "billingCycle",
                format!("{} is not billed {cycle_text}", offer.name),
            );
        }
        let quantity = item.quantity.unwrap_or(1);
        if quantity < i64::from(offer.min_quantity) || quantity > i64::from(offer.max_quantity) {
            e.add(
                &field("quantity"),
                format!(
                    "{} is sold in quantities of {} to {}",
                    offer.name, offer.min_quantity, offer.max_quantity
                ),
            );
        }
        let prerequisites: Vec<&str> = offer
            .prerequisites
            .split(',')
            .filter(|p| !p.is_empty())
            .collect();
        if !prerequisites.is_empty()
            && !prerequisites
                .iter()
                .any(|p| owned.iter().any(|o| o.as_str() == *p) || in_order.contains(*p))
        {
            e.add(
                &field("offerId"),
                format!(
                    "{} is an add-on of {}; buy one of them first",
                    offer.name,
                    prerequisites.join(" or ")
                ),
            );
        }
        let friendly = item
            .friendly_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(&offer.name)
            .to_owned();
        if friendly.chars().count() > 200 || friendly.chars().any(char::is_control) {
            e.add(
                &field("friendlyName"),
                "use at most 200 characters without control characters",
            );
        }
        checked.push(CheckedLine {
            number: k,
            offer,
            quantity: i32::try_from(quantity).unwrap_or(1),
            friendly_name: friendly,
            reseller: None,
            partner_id_on_record: item
                .partner_id_on_record
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        });
    }
    if !e.is_empty() {
        return Err(CoreError::Invalid(e));
    }
    // Every line item reported an unknown cycle above, and there is at least one.
    let cycle = cycle.ok_or_else(|| CoreError::invalid("billingCycle", "unknown billing cycle"))?;
    // The reseller of record is checked last, with Partner Center's own codes.
    for line in &mut checked {
        if let Some(raw) = &line.partner_id_on_record {
            line.reseller = Some(crate::partnerships::partner_of_record(c, &provider, raw).await?);
        }
    }
    Ok(Checked {
        customer: cust,
        cycle,
        lines: checked,
    })
}

/// The customer's orders the actor may see: a provider's own, and for a reseller those of
/// its providers that it sees (`authz::Sales`), each with the line items it may see.
pub async fn list(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
) -> Result<Vec<Order>, CoreError> {
    let mut c = svc.db.read().await?;
    authz::authorize(&mut c.conn(), actor, Permission::ViewCustomers, customer).await?;
    let sales = authz::sales(&mut c.conn(), actor, customer).await?;
    let subs = visible_subscriptions(&mut c.conn(), &sales, customer, None).await?;
    Ok(rows::orders_of(&mut c.conn(), customer)
        .await?
        .into_iter()
        .filter(|o| visible(&sales, o, &subs))
        .map(|o| order(o, &subs))
        .collect())
}

pub async fn get(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<Order, CoreError> {
    let mut c = svc.db.read().await?;
    authz::authorize(&mut c.conn(), actor, Permission::ViewCustomers, customer).await?;
    let sales = authz::sales(&mut c.conn(), actor, customer).await?;
    let id = OrderId::parse(id).ok_or(CoreError::NotFound)?;
    let o = rows::find_order(&mut c.conn(), customer, &id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let subs = visible_subscriptions(&mut c.conn(), &sales, customer, Some(&o.id)).await?;
    if !visible(&sales, &o, &subs) {
        return Err(CoreError::NotFound);
    }
    Ok(order(o, &subs))
}

async fn visible_subscriptions(
    c: &mut Conn<'_>,
    sales: &authz::Sales,
    customer: &TenantId,
    order: Option<&OrderId>,
) -> Result<Vec<SubscriptionRow>, CoreError> {
    Ok(subscription_rows::of_customer(c, customer, order, None)
        .await?
        .into_iter()
        .filter(|s| crate::subscriptions::in_scope(sales, s))
        .collect())
}

/// An order is seen whole by whoever sees all of its provider's sales, and by a reseller of
/// record through the line items it sees.
fn visible(sales: &authz::Sales, o: &OrderRow, subs: &[SubscriptionRow]) -> bool {
    sales.covers_all_of(&o.provider_tenant_id) || subs.iter().any(|s| s.order_id == o.id)
}
