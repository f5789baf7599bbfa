//! A customer's inputs parsed once: its domain prefix, culture and language.

use crate::DomainError;

/// Text accessors of a validated string newtype.
macro_rules! text_newtype {
    ($($name:ident),*) => {$(
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

text_newtype!(DomainPrefix, Culture, Language);

/// The label of a customer's domain under the platform's suffix: letters and digits, 2 to 27
/// of them, in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct DomainPrefix(String);

impl DomainPrefix {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let p = input.trim().to_lowercase();
        if !(2..=27).contains(&p.len()) || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(DomainError::new("use 2 to 27 letters and digits"));
        }
        Ok(Self(p))
    }

    /// The prefix of `prefix` or `prefix.<suffix>`; any other suffix is an error.
    pub fn of_domain(domain: &str, suffix: &str) -> Result<Self, DomainError> {
        let d = domain.trim().to_lowercase();
        match d.split_once('.') {
            None => Self::parse(&d),
            Some((prefix, rest)) if rest == suffix => Self::parse(prefix),
            Some(_) => Err(DomainError::new(format!(
                "the domain must be <prefix>.{suffix}"
            ))),
        }
    }
}

/// A culture such as `en-US`: a two-letter language and a two-letter country.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Culture(String);

impl Culture {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let ok = s.len() == 5
            && s.as_bytes()[2] == b'-'
            && s[..2].chars().all(|c| c.is_ascii_alphabetic())
            && s[3..].chars().all(|c| c.is_ascii_alphabetic());
        if ok {
            Ok(Self(format!(
                "{}-{}",
                s[..2].to_lowercase(),
                s[3..].to_uppercase()
            )))
        } else {
            Err(DomainError::new("use a culture such as en-US or de-DE"))
        }
    }
}

/// The cultures a person picks from in the UI, (code, name); the API takes any well-formed one,
/// and a form lists a customer's own even when it is not here.
pub const CULTURES: [(&str, &str); 24] = [
    ("cs-CZ", "Czech (Czechia)"),
    ("da-DK", "Danish (Denmark)"),
    ("de-AT", "German (Austria)"),
    ("de-CH", "German (Switzerland)"),
    ("de-DE", "German (Germany)"),
    ("en-AU", "English (Australia)"),
    ("en-CA", "English (Canada)"),
    ("en-GB", "English (United Kingdom)"),
    ("en-IE", "English (Ireland)"),
    ("en-US", "English (United States)"),
    ("es-ES", "Spanish (Spain)"),
    ("fi-FI", "Finnish (Finland)"),
    ("fr-BE", "French (Belgium)"),
    ("fr-CA", "French (Canada)"),
    ("fr-CH", "French (Switzerland)"),
    ("fr-FR", "French (France)"),
    ("it-IT", "Italian (Italy)"),
    ("nb-NO", "Norwegian Bokmål (Norway)"),
    ("nl-BE", "Dutch (Belgium)"),
    ("nl-NL", "Dutch (Netherlands)"),
    ("pl-PL", "Polish (Poland)"),
    ("pt-BR", "Portuguese (Brazil)"),
    ("pt-PT", "Portuguese (Portugal)"),
    ("sv-SE", "Swedish (Sweden)"),
];

/// The languages a person picks from in the UI, (code, name), as [`CULTURES`].
pub const LANGUAGES: [(&str, &str); 14] = [
    ("cs", "Czech"),
    ("da", "Danish"),
    ("de", "German"),
    ("en", "English"),
    ("es", "Spanish"),
    ("fi", "Finnish"),
    ("fr", "French"),
    ("it", "Italian"),
    ("nb", "Norwegian Bokmål"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("sv", "Swedish"),
    ("ja", "Japanese"),
];

/// A two-letter language such as `en`, in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        if s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()) {
            Ok(Self(s.to_lowercase()))
        } else {
            Err(DomainError::new("use a two-letter language such as en"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUFFIX: &str = "onmicrosoft.example";

    #[test]
    fn domain_prefixes() {
        let table: [(&str, Option<&str>); 9] = [
            ("Wingtip42", Some("wingtip42")),
            ("wingtip.onmicrosoft.example", Some("wingtip")),
            (" ab ", Some("ab")),
            ("wingtip.example.com", None),
            ("a", None),
            ("has-dash", None),
            ("ünï", None),
            ("", None),
            ("x", None),
        ];
        for (input, want) in table {
            let got = DomainPrefix::of_domain(input, SUFFIX).ok();
            assert_eq!(got.as_ref().map(DomainPrefix::as_str), want, "{input:?}");
        }
        assert!(DomainPrefix::parse(&"x".repeat(27)).is_ok());
        assert!(DomainPrefix::parse(&"x".repeat(28)).is_err());
        let e = DomainPrefix::of_domain("wingtip.example.com", SUFFIX).unwrap_err();
        assert!(e.0.contains(SUFFIX));
    }

    #[test]
    fn the_lists_to_pick_from_are_valid_and_each_culture_has_its_language() {
        for (code, _) in CULTURES {
            assert_eq!(Culture::parse(code).unwrap().0, code);
            assert!(LANGUAGES.iter().any(|(l, _)| code.starts_with(l)), "{code}");
        }
        for (code, _) in LANGUAGES {
            assert_eq!(Language::parse(code).unwrap().0, code);
        }
    }

    #[test]
    fn cultures_and_languages() {
        let cultures = [
            ("EN-us", Some("en-US")),
            ("de-DE", Some("de-DE")),
            ("english", None),
            ("en_US", None),
            ("e1-US", None),
        ];
        for (input, want) in cultures {
            assert_eq!(
                Culture::parse(input).ok().as_ref().map(Culture::as_str),
                want,
                "{input:?}"
            );
        }
        let languages = [
            ("EN", Some("en")),
            ("de", Some("de")),
            ("eng", None),
            ("", None),
            ("e1", None),
        ];
        for (input, want) in languages {
            assert_eq!(
                Language::parse(input).ok().as_ref().map(Language::as_str),
                want,
                "{input:?}"
            );
        }
    }
}
