//! Money: an exact decimal amount with an ISO 4217 currency. Never a float.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::DomainError;

/// An ISO 4217 currency code: three uppercase letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_uppercase();
        match <[u8; 3]>::try_from(s.as_bytes()) {
            Ok(code) if code.iter().all(u8::is_ascii_uppercase) => Ok(Self(code)),
            _ => Err(DomainError::new(
                "use a three-letter ISO 4217 currency such as EUR",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        // Three ASCII letters, checked by `parse`.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point of the currency's minor unit (ISO 4217).
    #[must_use]
    pub fn minor_unit_digits(self) -> u32 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount in a currency. Arithmetic is exact; `rounded` is the one rounding rule:
/// to the currency's minor unit, half to even.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    #[must_use]
    pub const fn new(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// An amount written as decimal text (`12.50`, never `1.2e1`) in a currency.
    pub fn parse(amount: &str, currency: &str) -> Result<Self, DomainError> {
        let currency = Currency::parse(currency)?;
        let text = amount.trim();
        let ok = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
        let amount = ok
            .then(|| text.parse::<Decimal>().ok())
            .flatten()
            .ok_or_else(|| {
                DomainError::new("write the amount as a decimal number such as 12.50")
            })?;
        Ok(Self { amount, currency })
    }

    #[must_use]
    pub const fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::ZERO,
            currency,
        }
    }
    #[must_use]
    pub const fn amount(&self) -> Decimal {
        self.amount
    }
    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// The sum, when both are in the same currency.
    #[must_use]
    pub fn checked_add(self, other: Self) -> Option<Self> {
        (self.currency == other.currency)
            .then(|| self.amount.checked_add(other.amount))
            .flatten()
            .map(|amount| Self {
                amount,
                currency: self.currency,
            })
    }

    /// The amount times a factor (a quantity, a proration fraction), not rounded.
    #[must_use]
    pub fn checked_mul(self, factor: Decimal) -> Option<Self> {
        self.amount.checked_mul(factor).map(|amount| Self {
            amount,
            currency: self.currency,
        })
    }

    /// Rounded to the currency's minor unit, half to even (banker's rounding).
    #[must_use]
    pub fn rounded(self) -> Self {
        Self {
            amount: self.amount.round_dp_with_strategy(
                self.currency.minor_unit_digits(),
                RoundingStrategy::MidpointNearestEven,
            ),
            currency: self.currency,
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(s: &str) -> Money {
        Money::parse(s, "EUR").unwrap()
    }

    #[test]
    fn currencies() {
        let table = [
            ("eur", Some("EUR")),
            (" USD ", Some("USD")),
            ("EU", None),
            ("EURO", None),
            ("E1R", None),
            ("", None),
        ];
        for (input, want) in table {
            assert_eq!(
                Currency::parse(input).ok().map(|c| c.to_string()),
                want.map(str::to_owned),
                "{input:?}"
            );
        }
        let digits = [("EUR", 2), ("JPY", 0), ("KWD", 3), ("USD", 2)];
        for (code, d) in digits {
            assert_eq!(
                Currency::parse(code).unwrap().minor_unit_digits(),
                d,
                "{code}"
            );
        }
    }

    #[test]
    fn amounts_are_exact_decimals() {
        let table = [
            ("12.50", true),
            ("0.1", true),
            ("-3", true),
            ("1e3", false),
            ("12,50", false),
            ("", false),
            ("NaN", false),
            ("1.2.3", false),
        ];
        for (input, ok) in table {
            assert_eq!(Money::parse(input, "EUR").is_ok(), ok, "{input:?}");
        }
        // 0.1 + 0.2 is 0.3 exactly, as it never is in binary floating point.
        assert_eq!(eur("0.1").checked_add(eur("0.2")), Some(eur("0.3")));
        assert_eq!(
            eur("1").checked_add(Money::parse("1", "USD").unwrap()),
            None
        );
    }

    #[test]
    fn rounding_is_half_even_to_the_minor_unit() {
        let table = [
            ("2.345", "2.34"),
            ("2.355", "2.36"),
            ("2.3451", "2.35"),
            ("-2.345", "-2.34"),
            ("10", "10"),
        ];
        for (input, want) in table {
            assert_eq!(eur(input).rounded(), eur(want), "{input}");
        }
        let yen = Money::parse("100.5", "JPY").unwrap().rounded();
        assert_eq!(yen, Money::parse("100", "JPY").unwrap());
        let third = eur("10")
            .checked_mul(Decimal::ONE / Decimal::from(3))
            .unwrap()
            .rounded();
        assert_eq!(third, eur("3.33"));
    }
}
