//! Commitment terms (ISO 8601 durations) and billing cycles.

use crate::clock::Timestamp;
use crate::{DomainError, stored_enum};

stored_enum!(
    /// The length of a subscription's commitment, as an ISO 8601 duration.
    TermDuration {
        OneMonth = "P1M",
        OneYear = "P1Y",
        ThreeYears = "P3Y",
    }
);

impl TermDuration {
    /// A term as written in a catalog: the ISO 8601 text, any case.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::from_stored(&input.trim().to_ascii_uppercase())
            .ok_or_else(|| DomainError::new("must be P1M, P1Y or P3Y"))
    }

    /// The end of a term that starts at `start`: 30 days, 365 days or three times 365 days.
    #[must_use]
    pub const fn end_from(self, start: Timestamp) -> Timestamp {
        start.plus_days(match self {
            Self::OneMonth => 30,
            Self::OneYear => 365,
            Self::ThreeYears => 3 * 365,
        })
    }

    /// The term for people: "1 month", "1 year", "3 years".
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::OneMonth => "1 month",
            Self::OneYear => "1 year",
            Self::ThreeYears => "3 years",
        }
    }

    /// The legacy offer's `term` and `termUnitOfMeasure`.
    #[must_use]
    pub const fn count_and_unit(self) -> (i32, &'static str) {
        match self {
            Self::OneMonth => (1, "Months"),
            Self::OneYear => (1, "Years"),
            Self::ThreeYears => (3, "Years"),
        }
    }
}

stored_enum!(
    /// How often a subscription is billed; `none` for offers billed by usage or not at all.
    BillingCycle {
        Monthly = "monthly",
        Annual = "annual",
        Triennial = "triennial",
        None = "none",
    }
);

impl BillingCycle {
    /// The cycles a person picks from when ordering legacy offers.
    pub const ORDERABLE: [Self; 2] = [Self::Monthly, Self::Annual];

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Monthly => "Monthly",
            Self::Annual => "Annual",
            Self::Triennial => "Triennial",
            Self::None => "None",
        }
    }

    /// A billing cycle as a client sends it, any case.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::from_stored(&input.trim().to_ascii_lowercase())
            .ok_or_else(|| DomainError::new("must be monthly, annual, triennial or none"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_ends() {
        let start = Timestamp(1_000);
        let day = 86_400_000;
        let table = [
            (TermDuration::OneMonth, 30 * day),
            (TermDuration::OneYear, 365 * day),
            (TermDuration::ThreeYears, 1095 * day),
        ];
        for (term, length) in table {
            assert_eq!(term.end_from(start), Timestamp(1_000 + length), "{term}");
        }
    }

    #[test]
    fn parsing() {
        let terms = [
            ("P1M", Some(TermDuration::OneMonth)),
            ("p1y", Some(TermDuration::OneYear)),
            (" P3Y ", Some(TermDuration::ThreeYears)),
            ("P2Y", None),
            ("", None),
        ];
        for (input, want) in terms {
            assert_eq!(TermDuration::parse(input).ok(), want, "{input:?}");
        }
        let cycles = [
            ("monthly", Some(BillingCycle::Monthly)),
            ("Annual", Some(BillingCycle::Annual)),
            ("triennial", Some(BillingCycle::Triennial)),
            ("none", Some(BillingCycle::None)),
            ("weekly", None),
        ];
        for (input, want) in cycles {
            assert_eq!(BillingCycle::parse(input).ok(), want, "{input:?}");
        }
        assert_eq!(TermDuration::ThreeYears.count_and_unit(), (3, "Years"));
        assert_eq!(TermDuration::OneMonth.count_and_unit(), (1, "Months"));
    }
}
