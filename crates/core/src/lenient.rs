//! Lenient readers for request fields that clients send in more than one JSON type.

use serde::{Deserialize, Deserializer};

/// A string field that also accepts a number (`"mpnId": 1234567` or `"1234567"`).
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(serde_json::Number),
        Missing(()),
    }
    Ok(match Either::deserialize(d)? {
        Either::Text(s) => s,
        Either::Number(n) => n.to_string(),
        Either::Missing(()) => String::new(),
    })
}

/// `AdminEmail`, `adminEmail` and `admin_email` all become `admin_email`; `MPNId` becomes `mpn_id`.
pub fn to_snake(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::with_capacity(key.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Rewrites every property name of a JSON document to snake_case (see `to_snake`).
pub fn snake_keys(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| (to_snake(&k), snake_keys(v)))
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(snake_keys).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::to_snake;

    #[test]
    fn property_names_become_snake_case() {
        for (input, want) in [
            ("AdminEmail", "admin_email"),
            ("adminEmail", "admin_email"),
            ("admin_email", "admin_email"),
            ("MPNId", "mpn_id"),
            ("mpnId", "mpn_id"),
            ("ObjectType", "object_type"),
            ("id", "id"),
        ] {
            assert_eq!(to_snake(input), want, "{input}");
        }
    }
}
