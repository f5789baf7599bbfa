use std::collections::BTreeMap;
use std::fmt;

/// Messages per input field, so a form can show each next to its field and the API can
/// name the first offending property.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .get(field)
            .and_then(|m| m.first())
            .map(String::as_str)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .flat_map(|(f, ms)| ms.iter().map(move |m| (f.as_str(), m.as_str())))
    }
    /// The messages as sentences for people, without the field names (which are wire or
    /// form names): "Enter a number of days from 1 to 90."
    pub fn sentences(&self) -> String {
        self.iter()
            .map(|(_, m)| {
                let mut chars = m.chars();
                let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
                let rest: String = chars.collect();
                let mut sentence = format!("{}{rest}", first.unwrap_or_default());
                if !sentence.ends_with(['.', '!', '?']) {
                    sentence.push('.');
                }
                sentence
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// Collects the error of one parse into this set and returns the value if it parsed.
    pub fn check<T>(&mut self, field: &str, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }
    /// `Ok(())` when nothing was added.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.iter().map(|(k, m)| format!("{k}: {m}")).collect();
        f.write_str(&parts.join("; "))
    }
}

/// A value that failed its rule; the message is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DomainError(pub String);

impl DomainError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

#[cfg(test)]
mod tests {
    use super::FieldErrors;

    #[test]
    fn sentences_leave_out_the_field_names() {
        let mut e = FieldErrors::new();
        e.add("expiresInDays", "enter a number of days from 1 to 90");
        e.add("name", "Enter a name.");
        assert_eq!(
            e.sentences(),
            "Enter a number of days from 1 to 90. Enter a name."
        );
        assert_eq!(FieldErrors::new().sentences(), "");
    }
}
