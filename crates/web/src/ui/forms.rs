//! Submitted forms: the extractor (CSRF checked by the middleware first) and refusals
//! turned into errors next to their fields.

use super::*;

/// A submitted form: repeated fields (checkboxes) kept, unknown fields ignored.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name).as_str(), "on" | "true" | "1" | "yes")
    }

    /// The `qty.<offer>` fields with a licence count, as an order: a count that is not a
    /// number is reported under its field (`qty.<offer>`) with the offer's name (`name_of`),
    /// an order without any under `order`.
    pub fn order(
        &self,
        partner_id_on_record: Option<String>,
        name_of: &dyn Fn(&str) -> String,
    ) -> Result<twotier_core::orders::OrderInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut line_items = Vec::new();
        for (name, value) in &self.0 {
            let (Some(offer), value) = (name.strip_prefix("qty."), value.trim()) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            match value.parse::<i64>() {
                Ok(quantity) => line_items.push(twotier_core::orders::LineItemInput {
                    line_item_number: i64::try_from(line_items.len()).ok(),
                    offer_id: offer.to_owned(),
                    quantity: Some(quantity),
                    partner_id_on_record: partner_id_on_record.clone(),
                    friendly_name: None,
                }),
                Err(_) => errors.add(
                    name,
                    format!("enter a whole number of licences for {}", name_of(offer)),
                ),
            }
        }
        if line_items.is_empty() && errors.is_empty() {
            errors.add("order", "enter a licence count for at least one offer");
        }
        if errors.is_empty() {
            Ok(twotier_core::orders::OrderInput {
                billing_cycle: self.get("billing_cycle"),
                line_items,
            })
        } else {
            Err(errors)
        }
    }

    /// An idempotency key for a form that carries one (a reload or double submit replays):
    /// the fingerprint is every field but the CSRF token.
    pub fn idempotency(
        &self,
        scope: &str,
        key_field: &str,
    ) -> Option<twotier_core::write::IdempotencyKey> {
        let key = self.get(key_field);
        (!key.is_empty()).then(|| self.keyed(format!("{scope}:{key}")))
    }

    /// The idempotency key `key` with the fingerprint of these fields.
    pub fn keyed(&self, key: String) -> twotier_core::write::IdempotencyKey {
        use sha2::Digest as _;
        let mut pairs: Vec<_> = self.0.iter().filter(|(k, _)| k != "_csrf").collect();
        pairs.sort();
        let fingerprint = hex::encode(sha2::Sha256::digest(format!("{pairs:?}").as_bytes()));
        twotier_core::write::IdempotencyKey { key, fingerprint }
    }
}

impl FormData {
    /// A GET form's fields, from the query string (a query that cannot be read is empty).
    pub fn from_query(query: Option<&str>) -> Self {
        Self(
            query
                .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
                .unwrap_or_default(),
        )
    }

    /// The fields as a query string, without the session's (`_csrf`, `request_key`): the
    /// link back to a GET form with what was typed.
    pub fn query_string(&self) -> String {
        let kept: Vec<&(String, String)> = self
            .0
            .iter()
            .filter(|(k, _)| k != "_csrf" && k != "request_key")
            .collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

impl FormData {
    /// The idempotency key of a confirm-once action (revoke, remove, cancel, accept) from the
    /// page's `request_key`: `action` names the action and its object, so two buttons of one
    /// page never share a key.
    pub fn confirm_once(&self, action: &str) -> Option<twotier_core::write::IdempotencyKey> {
        self.idempotency(&format!("ui:{action}"), "request_key")
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            PageError(twotier_core::CoreError::invalid(
                "form",
                "the form could not be read",
            ))
        })?;
        let pairs =
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).map_err(|_| {
                PageError(twotier_core::CoreError::invalid(
                    "form",
                    "the form could not be read",
                ))
            })?;
        Ok(Self(pairs))
    }
}

/// An order's errors keyed by the form's fields: a line item's under its offer's licence
/// count (`lineItems[2].quantity` → `qty.<offer of line 2>`), the billing cycle's under
/// `billing_cycle`, the reseller of record's (Partner Center rule codes) under
/// `partner_id_on_record` when one was chosen.
pub fn order_errors(
    e: twotier_core::CoreError,
    input: &twotier_core::orders::OrderInput,
) -> Result<FieldErrors, PageError> {
    let reseller_chosen = input.line_items.iter().any(|l| {
        l.partner_id_on_record
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty())
    });
    let errors = match e {
        twotier_core::CoreError::Rule { message, .. } if reseller_chosen => {
            return Ok(FieldErrors::single("partner_id_on_record", message));
        }
        other => field_errors(other)?,
    };
    let mut keyed = FieldErrors::new();
    for (key, message) in errors.iter() {
        let line = key
            .strip_prefix("lineItems[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<i64>().ok())
            .and_then(|n| {
                input
                    .line_items
                    .iter()
                    .find(|l| l.line_item_number == Some(n))
            });
        let field = match (key, line) {
            (_, Some(l)) => format!("qty.{}", l.offer_id),
            ("billingCycle", None) => "billing_cycle".to_owned(),
            (other, None) => other.to_owned(),
        };
        keyed.add(&field, message);
    }
    Ok(keyed)
}

/// The input type of a form field by its name, so phones get the number pad and email
/// keyboards their `@` (forms are `novalidate`: the server's messages sit under the fields).
pub fn input_type(name: &str) -> &'static str {
    match name {
        "email" => "email",
        "phone_number" => "tel",
        _ => "text",
    }
}

/// Whether a contact and address field must be filled (Partner Center's billing profile).
pub fn is_required(name: &str) -> bool {
    matches!(
        name,
        "company_name"
            | "domain"
            | "first_name"
            | "last_name"
            | "email"
            | "address_line1"
            | "postal_code"
            | "city"
            | "country"
            | "culture"
            | "language"
    )
}

/// The browser's autofill hint for a contact field.
pub fn autocomplete(name: &str) -> &'static str {
    match name {
        "email" => "email",
        "phone_number" => "tel",
        "first_name" => "given-name",
        "last_name" => "family-name",
        "postal_code" => "postal-code",
        _ => "on",
    }
}

/// The values of a field picked from a known set (culture, language), (code, name,
/// selected), with the current value first when it is not one of them; `None` for a field
/// typed freely.
pub fn choices_for(name: &str, current: &str) -> Option<Vec<(String, String, bool)>> {
    let known: &[(&str, &str)] = match name {
        "culture" => &twotier_domain::customer::CULTURES,
        "language" => &twotier_domain::customer::LANGUAGES,
        _ => return None,
    };
    let current = current.trim();
    let mut out: Vec<(String, String, bool)> = known
        .iter()
        .map(|(code, label)| {
            (
                (*code).to_owned(),
                format!("{label} ({code})"),
                *code == current,
            )
        })
        .collect();
    if !current.is_empty() && !known.iter().any(|(code, _)| *code == current) {
        out.insert(0, (current.to_owned(), current.to_owned(), true));
    }
    Some(out)
}

/// Field errors for a form that is shown again.
pub fn field_errors(e: twotier_core::CoreError) -> Result<FieldErrors, PageError> {
    match e {
        twotier_core::CoreError::Invalid(f) => Ok(f),
        twotier_core::CoreError::Rule { message, .. } => Ok(FieldErrors::single("form", message)),
        other => Err(PageError(other)),
    }
}

/// The summary above a form with several errors: (id of the field, "Field: message"), in
/// the order of their keys (`FieldErrors` keeps them sorted). A field's id is the last part of the error's key in snake case
/// (`billingProfile.defaultAddress.firstName` → `first_name`); an order's errors point to the
/// order table (`order`).
pub fn error_summary(errors: &FieldErrors) -> Vec<(String, String)> {
    errors
        .iter()
        .filter(|(key, _)| *key != "form")
        .map(|(key, message)| {
            let anchor = field_anchor(key);
            let text = format!("{}: {message}", field_label(&anchor));
            (anchor, text)
        })
        .collect()
}

/// A field's name for people, from its id (`first_name` → "First name").
fn field_label(anchor: &str) -> String {
    match anchor {
        "mpn_id" => return "MPN ID".to_owned(),
        "address_line1" => return "Address".to_owned(),
        "address_line2" => return "Address line 2".to_owned(),
        "phone_number" => return "Phone".to_owned(),
        "order" => return "Order".to_owned(),
        "partner_id_on_record" => return "Reseller of record".to_owned(),
        a if a.starts_with("qty-") => return "Licences".to_owned(),
        _ => {}
    }
    let words = anchor.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn field_anchor(key: &str) -> String {
    if let Some(offer) = key.strip_prefix("qty.") {
        return format!("qty-{offer}");
    }
    if key == "billing_cycle" {
        return key.to_owned();
    }
    if key == "order" || key == "billingCycle" || key.starts_with("lineItems") {
        return "order".to_owned();
    }
    let last = key.rsplit('.').next().unwrap_or(key);
    let last = last.split('[').next().unwrap_or(last);
    if last == "associatedPartnerId" {
        return "reseller".to_owned();
    }
    let mut id = String::with_capacity(last.len() + 4);
    for c in last.chars() {
        if c.is_ascii_uppercase() {
            id.push('_');
            id.push(c.to_ascii_lowercase());
        } else {
            id.push(c);
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_keys_point_to_their_fields() {
        for (key, id) in [
            ("billingProfile.defaultAddress.firstName", "first_name"),
            (
                "billingProfile.defaultAddress.addressLine1",
                "address_line1",
            ),
            ("companyProfile.domain", "domain"),
            ("displayName", "display_name"),
            ("email", "email"),
            ("associatedPartnerId", "reseller"),
            ("lineItems[0].quantity", "order"),
            ("qty.MAIL-P1", "qty-MAIL-P1"),
        ] {
            assert_eq!(field_anchor(key), id, "{key}");
        }
        let mut errors = FieldErrors::new();
        errors.add("form", "the whole form");
        errors.add("mpnId", "enter the MPN ID");
        errors.add(
            "billingProfile.defaultAddress.firstName",
            "use 1 to 50 characters",
        );
        assert_eq!(
            error_summary(&errors),
            vec![
                (
                    "first_name".to_owned(),
                    "First name: use 1 to 50 characters".to_owned()
                ),
                ("mpn_id".to_owned(), "MPN ID: enter the MPN ID".to_owned()),
            ]
        );
    }
}
