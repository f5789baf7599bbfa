//! A subscription's status and the moves between statuses.

use crate::{DomainError, stored_enum};

stored_enum!(
    /// Partner Center's status of a legacy subscription; `deleted` is a cancelled one.
    SubscriptionStatus {
        Active = "active",
        Suspended = "suspended",
        Deleted = "deleted",
    }
);

impl SubscriptionStatus {
    /// A status as a client sends it: any case, `_` ignored, `cancelled`/`canceled` for deleted.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim().to_ascii_lowercase().replace('_', "").as_str() {
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            "deleted" | "cancelled" | "canceled" => Ok(Self::Deleted),
            _ => Err(DomainError::new(
                "status must be active, suspended or deleted",
            )),
        }
    }

    /// Whether a change from `self` to `to` is allowed: suspend, reactivate, cancel. A cancelled
    /// subscription never changes again; staying in a status is not a change.
    #[must_use]
    pub const fn can_become(self, to: Self) -> bool {
        matches!(
            (self, to),
            (Self::Active, Self::Suspended)
                | (Self::Suspended, Self::Active)
                | (Self::Active | Self::Suspended, Self::Deleted)
        )
    }

    /// Not cancelled: it can still change.
    #[must_use]
    pub const fn is_open(self) -> bool {
        !matches!(self, Self::Deleted)
    }

    /// For people.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Suspended => "Suspended",
            Self::Deleted => "Cancelled",
        }
    }
}

stored_enum!(
    /// An order's status. Orders of the legacy API complete when they are placed.
    OrderStatus {
        Completed = "completed",
    }
);

impl OrderStatus {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Completed => "Completed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SubscriptionStatus::{self, Active, Deleted, Suspended};

    #[test]
    fn transitions() {
        let table = [
            (Active, Active, false),
            (Active, Suspended, true),
            (Active, Deleted, true),
            (Suspended, Active, true),
            (Suspended, Suspended, false),
            (Suspended, Deleted, true),
            (Deleted, Active, false),
            (Deleted, Suspended, false),
            (Deleted, Deleted, false),
        ];
        for (from, to, allowed) in table {
            assert_eq!(from.can_become(to), allowed, "{from} -> {to}");
        }
    }

    #[test]
    fn parsing_input_and_stored_text() {
        let table = [
            ("active", Some(Active)),
            (" Suspended ", Some(Suspended)),
            ("CANCELLED", Some(Deleted)),
            ("canceled", Some(Deleted)),
            ("deleted", Some(Deleted)),
            ("sus_pended", Some(Suspended)),
            ("expired", None),
            ("", None),
        ];
        for (input, want) in table {
            assert_eq!(SubscriptionStatus::parse(input).ok(), want, "{input:?}");
        }
        for s in SubscriptionStatus::ALL {
            assert_eq!(SubscriptionStatus::try_from(s.as_str().to_owned()), Ok(*s));
        }
        assert!(SubscriptionStatus::try_from("Active".to_owned()).is_err());
    }
}
