//! Single-use links (partnership invitations and relationship requests) and the state of a
//! relationship between two tenants.

use crate::clock::Timestamp;
use crate::stored_enum;

stored_enum!(
    /// The state of a single-use link. `expired` is never stored: a pending link past its
    /// expiry reads as expired (`at`). Only a relationship request is declined (by the
    /// customer) or superseded (another request of the same provider to the same customer
    /// was accepted).
    InvitationState {
        Pending = "pending",
        Accepted = "accepted",
        Revoked = "revoked",
        Declined = "declined",
        Superseded = "superseded",
        Expired = "expired",
    }
);

impl InvitationState {
    /// The state at `now` of a link stored in `self` that expires at `expires_at`.
    #[must_use]
    pub const fn at(self, expires_at: Timestamp, now: Timestamp) -> Self {
        match self {
            Self::Pending if expires_at.millis() <= now.millis() => Self::Expired,
            other => other,
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Accepted => "Accepted",
            Self::Revoked => "Revoked",
            Self::Declined => "Declined",
            Self::Superseded => "Closed: a newer request was accepted",
            Self::Expired => "Expired",
        }
    }
}

stored_enum!(
    /// A partnership's or a customer relationship's state: a removed one is kept for history.
    RelationshipState {
        Active = "active",
        Removed = "removed",
    }
);

impl RelationshipState {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Removed => "Removed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InvitationState::{Accepted, Declined, Expired, Pending, Revoked, Superseded};
    use crate::clock::Timestamp;

    #[test]
    fn a_pending_link_expires_at_its_expiry() {
        let expiry = Timestamp(1_000);
        let table = [
            (Pending, 999, Pending),
            (Pending, 1_000, Expired),
            (Pending, 5_000, Expired),
            (Accepted, 5_000, Accepted),
            (Revoked, 5_000, Revoked),
            (Declined, 5_000, Declined),
            (Superseded, 500, Superseded),
        ];
        for (stored, now, want) in table {
            assert_eq!(stored.at(expiry, Timestamp(now)), want, "{stored} at {now}");
        }
    }
}
