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
