//! The offer catalog (Partner Center's legacy Offer resource): imported whole by the
//! operator from JSON or CSV after every row has been validated, read by partners by country.

use std::collections::{BTreeMap, BTreeSet};
use twotier_domain::ids::OfferId;

use serde::{Deserialize, Serialize};
use twotier_domain::FieldErrors;
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::Permission;
use twotier_domain::partner::Country;
use twotier_domain::term::{BillingCycle, TermDuration};
use twotier_store::catalog::{self as rows, CategoryRow, OfferRow};

use crate::audit::Event;
use crate::write::Replayable;
use crate::{CoreError, RequestMeta, Services, authz, lenient};

/// One offer as a file or form gives it (JSON: camelCase or snake_case; CSV: one row).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OfferInput {
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub minimum_quantity: Option<i64>,
    pub maximum_quantity: Option<i64>,
    pub unit_type: String,
    pub billing: String,
    pub supported_billing_cycles: Vec<String>,
    pub term: String,
    pub is_add_on: bool,
    pub prerequisite_offers: Vec<String>,
    pub upgrade_target_offers: Vec<String>,
    pub is_available_for_purchase: Option<bool>,
    pub countries: Vec<String>,
    pub cancellation_window_days: Option<i64>,
}

const BILLING: [&str; 3] = ["license", "usage", "none"];

fn category_id(name: &str) -> String {
    let mut id: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while id.contains("--") {
        id = id.replace("--", "-");
    }
    id.trim_matches('-').to_owned()
}

fn valid_offer_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
}

fn list_field(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Validates the whole file. Every bad row and field is reported ("row 3 maximumQuantity");
/// offer references may point at offers in the same file or already in the catalog.
fn validate(
    inputs: &[OfferInput],
    existing: &BTreeSet<String>,
    now: i64,
) -> Result<(Vec<CategoryRow>, Vec<OfferRow>), FieldErrors> {
    let mut e = FieldErrors::new();
    if inputs.is_empty() {
        e.add("file", "the file holds no offers");
        return Err(e);
    }
    let mut seen = BTreeSet::new();
    for (i, o) in inputs.iter().enumerate() {
        if !seen.insert(o.id.trim().to_owned()) {
            e.add(
                &format!("row {} id", i + 1),
                format!("the offer id {} appears twice in the file", o.id.trim()),
            );
        }
    }
    let known: BTreeSet<&str> = existing
        .iter()
        .map(String::as_str)
        .chain(seen.iter().map(String::as_str))
        .collect();
    let mut categories: BTreeMap<String, CategoryRow> = BTreeMap::new();
    let mut offers = Vec::new();
    for (i, o) in inputs.iter().enumerate() {
        let row = i + 1;
        let field = |name: &str| format!("row {row} {name}");
        let id = o.id.trim();
        if !valid_offer_id(id) {
            e.add(&field("id"), "use 1 to 64 letters, digits, '-', '_' or ':'");
        }
        let name = o.name.trim();
        if name.chars().count() < 2 || name.chars().count() > 200 {
            e.add(&field("name"), "use 2 to 200 characters");
        }
        if o.description.chars().count() > 2000 {
            e.add(&field("description"), "use at most 2000 characters");
        }
        let category = o.category.trim();
        let cat_id = category_id(category);
        if cat_id.is_empty() || category.chars().count() > 100 {
            e.add(&field("category"), "name a category of 1 to 100 characters");
        }
        let min = o.minimum_quantity.unwrap_or(1);
        let max = o.maximum_quantity.unwrap_or(10_000);
        if !(1..=1_000_000).contains(&min) {
            e.add(&field("minimumQuantity"), "must be from 1 to 1000000");
        }
        if !(1..=1_000_000).contains(&max) || max < min {
            e.add(
                &field("maximumQuantity"),
                "must be from the minimum quantity to 1000000",
            );
        }
        let billing = if o.billing.trim().is_empty() {
            "license".to_owned()
        } else {
            o.billing.trim().to_lowercase()
        };
        if !BILLING.contains(&billing.as_str()) {
            e.add(&field("billing"), "must be license, usage or none");
        }
        let cycles: Vec<String> = list_field(&o.supported_billing_cycles)
            .iter()
            .map(|c| c.to_lowercase())
            .collect();
        if cycles.is_empty()
            || cycles
                .iter()
                .any(|c| BillingCycle::from_stored(c).is_none())
        {
            e.add(
                &field("supportedBillingCycles"),
                "list one or more of monthly, annual, triennial, none",
            );
        }
        let term = e.check(&field("term"), TermDuration::parse(&o.term));
        let mut countries = Vec::new();
        for c in list_field(&o.countries) {
            match Country::parse(&c) {
                Ok(country) => countries.push(country.code.to_owned()),
                Err(err) => e.add(&field("countries"), err.0),
            }
        }
        if countries.is_empty() && list_field(&o.countries).is_empty() {
            e.add(
                &field("countries"),
                "list the countries where the offer is sold",
            );
        }
        let prerequisites = list_field(&o.prerequisite_offers);
        if o.is_add_on && prerequisites.is_empty() {
            e.add(
                &field("prerequisiteOffers"),
                "an add-on names the offers it can be added to",
            );
        }
        if !o.is_add_on && !prerequisites.is_empty() {
            e.add(
                &field("prerequisiteOffers"),
                "only an add-on has prerequisite offers",
            );
        }
        let upgrades = list_field(&o.upgrade_target_offers);
        for (name, list) in [
            ("prerequisiteOffers", &prerequisites),
            ("upgradeTargetOffers", &upgrades),
        ] {
            for target in list {
                if target == id {
                    e.add(&field(name), "an offer cannot refer to itself");
                } else if !known.contains(target.as_str()) {
                    e.add(
                        &field(name),
                        format!("no offer {target} in the file or the catalog"),
                    );
                }
            }
        }
        let window = o.cancellation_window_days.unwrap_or(7);
        if !(0..=365).contains(&window) {
            e.add(
                &field("cancellationWindowDays"),
                "must be from 0 to 365 days",
            );
        }
        let unit_type = if o.unit_type.trim().is_empty() {
            "Licenses".to_owned()
        } else {
            o.unit_type.trim().to_owned()
        };
        if let (true, Some(term)) = (e.is_empty(), term) {
            let rank = i32::try_from(categories.len() + 1).unwrap_or(i32::MAX);
            categories.entry(cat_id.clone()).or_insert(CategoryRow {
                id: cat_id.clone(),
                name: category.to_owned(),
                rank,
            });
            offers.push(OfferRow {
                id: OfferId::from_stored(id.to_owned()),
                name: name.to_owned(),
                description: o.description.trim().to_owned(),
                category_name: category.to_owned(),
                category_id: cat_id,
                min_quantity: i32::try_from(min).unwrap_or(1),
                max_quantity: i32::try_from(max).unwrap_or(1),
                unit_type,
                billing,
                billing_cycles: cycles.join(","),
                term,
                is_add_on: o.is_add_on,
                prerequisites: prerequisites.join(","),
                upgrade_targets: upgrades.join(","),
                available: o.is_available_for_purchase.unwrap_or(true),
                countries: countries.join(","),
                cancellation_window_days: i32::try_from(window).unwrap_or(7),
                rank: i32::try_from(row).unwrap_or(i32::MAX),
                updated_at: now,
            });
        }
    }
    if e.is_empty() {
        Ok((categories.into_values().collect(), offers))
    } else {
        Err(e)
    }
}

/// Reads a catalog file: a JSON array of offers (or `{"offers": [...]}`), or CSV with a header
/// row, lists separated by `;`.
pub fn parse_file(text: &str) -> Result<Vec<OfferInput>, CoreError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(trimmed)
            .map_err(|e| CoreError::invalid("file", format!("not valid JSON: {e}")))?;
        let value = lenient::snake_keys(value);
        let list = match value {
            serde_json::Value::Object(mut map) => {
                map.remove("offers").unwrap_or(serde_json::Value::Null)
            }
            other => other,
        };
        let serde_json::Value::Array(items) = list else {
            return Err(CoreError::invalid("file", "expected a list of offers"));
        };
        let mut e = FieldErrors::new();
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            match serde_json::from_value::<OfferInput>(item) {
                Ok(o) => out.push(o),
                Err(err) => e.add(&format!("row {}", i + 1), format!("not an offer: {err}")),
            }
        }
        return if e.is_empty() {
            Ok(out)
        } else {
            Err(CoreError::Invalid(e))
        };
    }
    parse_csv(trimmed)
}

fn parse_csv(text: &str) -> Result<Vec<OfferInput>, CoreError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CoreError::invalid("file", format!("not valid CSV: {e}")))?
        .iter()
        .map(lenient::to_snake)
        .collect();
    let mut e = FieldErrors::new();
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record = match record {
            Ok(r) => r,
            Err(err) => {
                e.add(&format!("row {row}"), format!("not valid CSV: {err}"));
                continue;
            }
        };
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|p| record.get(p))
                .unwrap_or("")
                .to_owned()
        };
        let list = |name: &str| {
            get(name)
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let mut number = |name: &str| -> Option<i64> {
            let raw = get(name);
            if raw.is_empty() {
                return None;
            }
            raw.parse()
                .map_err(|_| e.add(&format!("row {row} {name}"), "must be a whole number"))
                .ok()
        };
        let (min, max, window) = (
            number("minimum_quantity"),
            number("maximum_quantity"),
            number("cancellation_window_days"),
        );
        let flag = |name: &str| matches!(get(name).to_lowercase().as_str(), "true" | "yes" | "1");
        let available = get("is_available_for_purchase");
        out.push(OfferInput {
            id: get("id"),
            name: get("name"),
            description: get("description"),
            category: get("category"),
            minimum_quantity: min,
            maximum_quantity: max,
            unit_type: get("unit_type"),
            billing: get("billing"),
            supported_billing_cycles: list("supported_billing_cycles"),
            term: get("term"),
            is_add_on: flag("is_add_on"),
            prerequisite_offers: list("prerequisite_offers"),
            upgrade_target_offers: list("upgrade_target_offers"),
            is_available_for_purchase: if available.is_empty() {
                None
            } else {
                Some(flag("is_available_for_purchase"))
            },
            countries: list("countries"),
            cancellation_window_days: window,
        });
    }
    if e.is_empty() {
        Ok(out)
    } else {
        Err(CoreError::Invalid(e))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    pub imported: usize,
    pub offer_ids: Vec<String>,
}

impl Replayable for Imported {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

/// Imports a catalog file's text (JSON or CSV, as `parse_file` reads it): all of it or none.
pub async fn import_file(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    text: &str,
) -> Result<Imported, CoreError> {
    import(svc, actor, meta, &parse_file(text)?).await
}

/// Imports (adds or replaces) offers: all of them or, if any row is bad, none.
pub async fn import(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    inputs: &[OfferInput],
) -> Result<Imported, CoreError> {
    authz::require(actor, Permission::ManageCatalog)?;
    let mut ch = crate::begin_change!(svc, actor, meta, Imported);
    let existing: BTreeSet<OfferId> = rows::ids(&mut ch.conn()).await?.into_iter().collect();
    let existing: BTreeSet<String> = existing.iter().map(ToString::to_string).collect();
    let (categories, offers) = validate(inputs, &existing, svc.now().millis())?;
    for c in &categories {
        rows::upsert_category(&mut ch.conn(), c).await?;
    }
    for o in &offers {
        rows::upsert_offer(&mut ch.conn(), o).await?;
    }
    let out = Imported {
        imported: offers.len(),
        offer_ids: offers.iter().map(|o| o.id.to_string()).collect(),
    };
    ch.audit(Event::new(Operation::ImportCatalog, ResourceType::Offer, "catalog").new_value(&out))
        .await?;
    ch.commit(&out).await?;
    Ok(out)
}

/// Partner Center's OfferCategory.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: String,
    pub name: String,
    pub rank: i32,
    pub locale: &'static str,
    pub country: String,
}

/// Partner Center's Offer (legacy), with twotier's `term`, `countries` and
/// `cancellationWindowDays`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub id: String,
    pub name: String,
    pub description: String,
    pub minimum_quantity: i32,
    pub maximum_quantity: i32,
    pub rank: i32,
    pub uri: String,
    pub locale: &'static str,
    pub country: String,
    pub category: Category,
    pub limit_unit_of_measure: &'static str,
    pub limit: i32,
    pub prerequisite_offers: Vec<String>,
    pub is_add_on: bool,
    pub has_add_ons: bool,
    pub is_available_for_purchase: bool,
    pub billing: String,
    pub supported_billing_cycles: Vec<String>,
    pub is_auto_renewable: bool,
    pub upgrade_target_offers: Vec<String>,
    pub conversion_target_offers: Vec<String>,
    pub is_trial: bool,
    pub unit_type: String,
    /// The commitment term as Partner Center's Offer gives it: a count of `termUnitOfMeasure`…
    pub term: i32,
    pub term_unit_of_measure: &'static str,
    /// …and as an ISO 8601 duration, as the newer catalog does (`P1M`, `P1Y`, `P3Y`).
    pub term_duration: TermDuration,
    pub countries: Vec<String>,
    pub cancellation_window_days: i32,
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn offer(r: OfferRow, country: &str, category_rank: i32, has_add_ons: bool) -> Offer {
    let (term, term_unit_of_measure) = r.term.count_and_unit();
    Offer {
        uri: format!("/offers/{}", r.id),
        category: Category {
            id: r.category_id,
            name: r.category_name,
            rank: category_rank,
            locale: "en-US",
            country: country.to_owned(),
        },
        id: r.id.to_string(),
        name: r.name,
        description: r.description,
        minimum_quantity: r.min_quantity,
        maximum_quantity: r.max_quantity,
        rank: r.rank,
        locale: "en-US",
        country: country.to_owned(),
        limit_unit_of_measure: "None",
        limit: 0,
        prerequisite_offers: split(&r.prerequisites),
        is_add_on: r.is_add_on,
        has_add_ons,
        is_available_for_purchase: r.available,
        billing: r.billing,
        supported_billing_cycles: split(&r.billing_cycles),
        is_auto_renewable: true,
        upgrade_target_offers: split(&r.upgrade_targets),
        conversion_target_offers: Vec::new(),
        is_trial: false,
        unit_type: r.unit_type,
        term,
        term_unit_of_measure,
        term_duration: r.term,
        countries: split(&r.countries),
        cancellation_window_days: r.cancellation_window_days,
    }
}

fn parse_country(country: &str) -> Result<String, CoreError> {
    Country::parse(country)
        .map(|c| c.code.to_owned())
        .map_err(|e| CoreError::field("country", e))
}

async fn offers_in(
    svc: &Services,
    country: Option<&str>,
    category: Option<&str>,
) -> Result<Vec<Offer>, CoreError> {
    let mut c = svc.db.read().await?;
    let all = rows::list(&mut c.conn(), None, None).await?;
    let ranks: BTreeMap<String, i32> = rows::categories(&mut c.conn())
        .await?
        .into_iter()
        .map(|c| (c.id, c.rank))
        .collect();
    let parents: BTreeSet<String> = all.iter().flat_map(|o| split(&o.prerequisites)).collect();
    let cc = country.unwrap_or_default();
    Ok(all
        .into_iter()
        .filter(|o| country.is_none_or(|cc| split(&o.countries).iter().any(|x| x == cc)))
        .filter(|o| category.is_none_or(|cat| o.category_id == cat))
        .map(|o| {
            let rank = ranks.get(&o.category_id).copied().unwrap_or_default();
            let has_add_ons = parents.contains(o.id.as_str());
            offer(o, cc, rank, has_add_ons)
        })
        .collect())
}

/// The offers sold in a country (Partner Center requires the country).
pub async fn list(
    svc: &Services,
    actor: &Actor,
    country: &str,
    category: Option<&str>,
) -> Result<Vec<Offer>, CoreError> {
    let _ = actor;
    let cc = parse_country(country)?;
    offers_in(
        svc,
        Some(&cc),
        category.map(str::trim).filter(|s| !s.is_empty()),
    )
    .await
}

/// The offers a customer can buy: those sold in its country, for partners related to it.
pub async fn for_customer(
    svc: &Services,
    actor: &Actor,
    customer: &twotier_domain::ids::TenantId,
) -> Result<Vec<Offer>, CoreError> {
    let mut c = svc.db.read().await?;
    authz::authorize(&mut c.conn(), actor, Permission::ViewCustomers, customer).await?;
    let country = crate::customer_relationships::as_seen_by(&mut c.conn(), actor, customer)
        .await?
        .country;
    drop(c);
    list(svc, actor, &country, None).await
}

/// Every offer, for the operator's catalog page.
pub async fn list_all(svc: &Services, actor: &Actor) -> Result<Vec<Offer>, CoreError> {
    authz::require(actor, Permission::ManageCatalog)?;
    offers_in(svc, None, None).await
}

/// One offer, if it is sold in the country.
pub async fn get(
    svc: &Services,
    actor: &Actor,
    id: &str,
    country: &str,
) -> Result<Offer, CoreError> {
    let cc = parse_country(country)?;
    list(svc, actor, &cc, None)
        .await?
        .into_iter()
        .find(|o| o.id == id.trim())
        .ok_or(CoreError::NotFound)
}

/// The categories that have offers in the country.
pub async fn categories(
    svc: &Services,
    actor: &Actor,
    country: &str,
) -> Result<Vec<Category>, CoreError> {
    Ok(categories_of(&list(svc, actor, country, None).await?))
}

/// The categories of `offers`, once each, in the catalog's order (rank, then id).
pub fn categories_of(offers: &[Offer]) -> Vec<Category> {
    let mut seen = BTreeMap::new();
    for o in offers {
        seen.entry((o.category.rank, o.category.id.clone()))
            .or_insert_with(|| o.category.clone());
    }
    seen.into_values().collect()
}

/// Takes an offer off sale (or back on): existing subscriptions are not touched.
pub async fn set_available(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &str,
    available: bool,
) -> Result<(), CoreError> {
    authz::require(actor, Permission::ManageCatalog)?;
    let id = OfferId::parse(id).ok_or(CoreError::NotFound)?;
    let mut ch = crate::begin_change!(svc, actor, meta, ());
    let old = rows::find(&mut ch.conn(), &id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if old.available != available {
        rows::set_available(&mut ch.conn(), &id, available, svc.now().millis()).await?;
        ch.audit(
            Event::new(Operation::UpdateOffer, ResourceType::Offer, id)
                .old(serde_json::json!({ "isAvailableForPurchase": old.available }))
                .new_value(serde_json::json!({ "isAvailableForPurchase": available })),
        )
        .await?;
    }
    ch.commit(&()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(id: &str) -> OfferInput {
        OfferInput {
            id: id.to_owned(),
            name: format!("Offer {id}"),
            category: "Productivity".to_owned(),
            supported_billing_cycles: vec![BillingCycle::Monthly.as_str().to_owned()],
            term: TermDuration::OneMonth.as_str().to_owned(),
            countries: vec!["DE".to_owned(), "fr".to_owned()],
            ..OfferInput::default()
        }
    }

    #[test]
    fn a_good_file_validates_and_every_bad_row_is_reported() {
        let mut addon = offer("ADDON");
        addon.is_add_on = true;
        addon.prerequisite_offers = vec!["BASE".to_owned()];
        let mut base = offer("BASE");
        base.upgrade_target_offers = vec!["ADDON".to_owned()];
        let (cats, rows) = validate(&[base, addon], &BTreeSet::new(), 0).unwrap();
        assert_eq!(cats.len(), 1);
        assert_eq!(rows[0].countries, "DE,FR");

        let mut bad = offer("bad id!");
        bad.maximum_quantity = Some(0);
        bad.countries = vec!["ZZ".to_owned()];
        let mut orphan = offer("ORPHAN");
        orphan.is_add_on = true;
        orphan.prerequisite_offers = vec!["MISSING".to_owned()];
        let e = validate(&[offer("OK"), bad, orphan], &BTreeSet::new(), 0).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| f).collect();
        assert!(
            fields.contains(&"row 2 id")
                && fields.contains(&"row 2 maximumQuantity")
                && fields.contains(&"row 2 countries"),
            "{fields:?}"
        );
        assert!(fields.contains(&"row 3 prerequisiteOffers"), "{fields:?}");
        assert!(!fields.iter().any(|f| f.starts_with("row 1")), "{fields:?}");
    }

    #[test]
    fn csv_and_json_read_the_same() {
        let csv = "id,name,category,supportedBillingCycles,term,countries,maximumQuantity\nA1,Alpha,Tools,monthly;annual,P1Y,DE;AT,50\n";
        let json = r#"[{"Id":"A1","Name":"Alpha","Category":"Tools","SupportedBillingCycles":["monthly","annual"],"Term":"P1Y","Countries":["DE","AT"],"MaximumQuantity":50}]"#;
        let a = parse_file(csv).unwrap();
        let b = parse_file(json).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert!(
            matches!(parse_file("id,name\nA1"), Err(CoreError::Invalid(_))),
            "a short row is reported"
        );
        assert!(matches!(parse_file("[1, 2]"), Err(CoreError::Invalid(_))));
    }
}
