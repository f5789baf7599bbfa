//! Partner profile rules: countries, CSP regions and MPN IDs.

use crate::DomainError;

/// A CSP region. Partners transact only inside one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CspRegion {
    Europe,
    NorthAmerica,
    AsiaPacific,
    LatinAmerica,
    MiddleEastAndAfrica,
}

impl CspRegion {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Europe => "europe",
            Self::NorthAmerica => "north_america",
            Self::AsiaPacific => "asia_pacific",
            Self::LatinAmerica => "latin_america",
            Self::MiddleEastAndAfrica => "middle_east_and_africa",
        }
    }
    pub fn from_stored(s: &str) -> Option<Self> {
        [
            Self::Europe,
            Self::NorthAmerica,
            Self::AsiaPacific,
            Self::LatinAmerica,
            Self::MiddleEastAndAfrica,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Europe => "Europe",
            Self::NorthAmerica => "North America",
            Self::AsiaPacific => "Asia Pacific",
            Self::LatinAmerica => "Latin America",
            Self::MiddleEastAndAfrica => "Middle East and Africa",
        }
    }
}

/// ISO 3166-1 alpha-2 code, its English name and its CSP region. The table is the single source:
/// a country that is not here cannot be enrolled.
const COUNTRIES: &[(&str, &str, CspRegion)] = {
    use CspRegion::{
        AsiaPacific as AP, Europe as EU, LatinAmerica as LA, MiddleEastAndAfrica as MEA,
        NorthAmerica as NA,
    };
    &[
        // EU member states
        ("AT", "Austria", EU),
        ("BE", "Belgium", EU),
        ("BG", "Bulgaria", EU),
        ("HR", "Croatia", EU),
        ("CY", "Cyprus", EU),
        ("CZ", "Czechia", EU),
        ("DK", "Denmark", EU),
        ("EE", "Estonia", EU),
        ("FI", "Finland", EU),
        ("FR", "France", EU),
        ("DE", "Germany", EU),
        ("GR", "Greece", EU),
        ("HU", "Hungary", EU),
        ("IE", "Ireland", EU),
        ("IT", "Italy", EU),
        ("LV", "Latvia", EU),
        ("LT", "Lithuania", EU),
        ("LU", "Luxembourg", EU),
        ("MT", "Malta", EU),
        ("NL", "Netherlands", EU),
        ("PL", "Poland", EU),
        ("PT", "Portugal", EU),
        ("RO", "Romania", EU),
        ("SK", "Slovakia", EU),
        ("SI", "Slovenia", EU),
        ("ES", "Spain", EU),
        ("SE", "Sweden", EU),
        // EEA outside the EU, and other European markets
        ("IS", "Iceland", EU),
        ("LI", "Liechtenstein", EU),
        ("NO", "Norway", EU),
        ("CH", "Switzerland", EU),
        ("GB", "United Kingdom", EU),
        // Americas
        ("US", "United States", NA),
        ("CA", "Canada", NA),
        ("BR", "Brazil", LA),
        ("MX", "Mexico", LA),
        ("AR", "Argentina", LA),
        ("CL", "Chile", LA),
        ("CO", "Colombia", LA),
        // Asia Pacific
        ("AU", "Australia", AP),
        ("NZ", "New Zealand", AP),
        ("JP", "Japan", AP),
        ("IN", "India", AP),
        ("SG", "Singapore", AP),
        ("KR", "Korea", AP),
        // Middle East and Africa
        ("ZA", "South Africa", MEA),
        ("AE", "United Arab Emirates", MEA),
        ("SA", "Saudi Arabia", MEA),
        ("IL", "Israel", MEA),
        ("EG", "Egypt", MEA),
        ("NG", "Nigeria", MEA),
        ("KE", "Kenya", MEA),
    ]
};

/// A supported country, validated against the table above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    pub code: &'static str,
    pub name: &'static str,
    pub region: CspRegion,
}

impl Country {
    /// Accepts an ISO-2 code in any case; "UK" is read as GB, as people often write it.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim().to_ascii_uppercase();
        let code = if code == "UK" { "GB".to_owned() } else { code };
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(DomainError::new(
                "enter a two-letter ISO country code, such as DE or US",
            ));
        }
        COUNTRIES
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|&(code, name, region)| Self { code, name, region })
            .ok_or_else(|| {
                DomainError::new(format!(
                    "twotier does not serve the country {code}: no CSP region is known for it"
                ))
            })
    }
    pub fn all() -> impl Iterator<Item = Self> {
        COUNTRIES
            .iter()
            .map(|&(code, name, region)| Self { code, name, region })
    }
}

/// A partner location's MPN ID: digits only, 1 to 10 of them, not zero.
pub fn parse_mpn_id(input: &str) -> Result<i64, DomainError> {
    let s = input.trim();
    if s.is_empty() || s.len() > 10 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(DomainError::new("an MPN ID is a number of 1 to 10 digits"));
    }
    match s.parse::<i64>() {
        Ok(0) | Err(_) => Err(DomainError::new("an MPN ID is a number of 1 to 10 digits")),
        Ok(n) => Ok(n),
    }
}

/// Free text of a directory profile: trimmed, bounded, no control characters but newlines.
pub fn parse_text(input: &str, max: usize) -> Result<String, DomainError> {
    let s = input.trim();
    if s.chars().count() > max {
        return Err(DomainError::new(format!("use at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err(DomainError::new("must not contain control characters"));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_market_has_a_region() {
        let eea = [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
            "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS",
            "LI", "NO",
        ];
        for code in eea {
            assert_eq!(
                Country::parse(code).unwrap().region,
                CspRegion::Europe,
                "{code}"
            );
        }
        for (code, region) in [
            ("GB", CspRegion::Europe),
            ("uk", CspRegion::Europe),
            ("US", CspRegion::NorthAmerica),
            ("CA", CspRegion::NorthAmerica),
            ("AU", CspRegion::AsiaPacific),
            ("NZ", CspRegion::AsiaPacific),
            ("JP", CspRegion::AsiaPacific),
            ("IN", CspRegion::AsiaPacific),
            ("BR", CspRegion::LatinAmerica),
            ("MX", CspRegion::LatinAmerica),
            ("ZA", CspRegion::MiddleEastAndAfrica),
            ("ae", CspRegion::MiddleEastAndAfrica),
        ] {
            assert_eq!(Country::parse(code).unwrap().region, region, "{code}");
        }
    }

    #[test]
    fn unknown_or_malformed_countries_are_clear_errors() {
        assert!(Country::parse("ZZ").unwrap_err().0.contains("ZZ"));
        assert!(
            Country::parse("Germany")
                .unwrap_err()
                .0
                .contains("two-letter")
        );
        assert!(Country::parse("").is_err());
    }

    #[test]
    fn mpn_ids_are_positive_numbers() {
        assert_eq!(parse_mpn_id(" 1234567 "), Ok(1_234_567));
        for bad in ["", "0", "-5", "12a", "12345678901", "1.5"] {
            assert!(parse_mpn_id(bad).is_err(), "{bad}");
        }
    }
}
