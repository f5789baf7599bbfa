//! Single-use links (partnership invitations and customer relationship requests): the token
//! is stored hashed, and a link is refused once used, revoked or expired.

use twotier_domain::clock::Timestamp;
use twotier_domain::link::InvitationState;

use crate::{Code, CoreError, secrets};

/// A link whose token matches nothing (`what` names the link).
pub(crate) fn unknown_link(what: &str) -> CoreError {
    CoreError::rule(
        Code::LinkUnknown,
        format!(
            "this {what} is not valid; check that you copied all of it, or ask the provider for a new one"
        ),
    )
}

/// The stored hash of a link's token; a token of the wrong shape is an unknown link.
pub(crate) fn link_hash(token: &str, what: &str) -> Result<String, CoreError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(unknown_link(what));
    }
    Ok(secrets::sha256_hex(token))
}

/// Whether a single-use link (invitation or relationship request) can still be used: not
/// used, revoked or expired; `what` and `whom` name the link and who can make a new one.
pub(crate) fn check_link(
    state: InvitationState,
    expires_at: i64,
    now: Timestamp,
    what: &str,
    whom: &str,
) -> Result<(), CoreError> {
    match state.at(Timestamp(expires_at), now) {
        InvitationState::Accepted => Err(CoreError::rule(
            Code::LinkUsed,
            format!("this {what} was already used; each link works once"),
        )),
        InvitationState::Revoked => Err(CoreError::rule(
            Code::LinkRevoked,
            format!("{whom} revoked this {what}; ask them for a new one"),
        )),
        InvitationState::Declined => Err(CoreError::rule(
            Code::LinkRevoked,
            format!("this {what} was declined; ask {whom} for a new one"),
        )),
        InvitationState::Superseded => Err(CoreError::rule(
            Code::LinkRevoked,
            format!("a newer request from {whom} was accepted, so this {what} is closed"),
        )),
        InvitationState::Expired => Err(CoreError::rule(
            Code::LinkExpired,
            format!("this {what} has expired; ask {whom} for a new one"),
        )),
        InvitationState::Pending => Ok(()),
    }
}
