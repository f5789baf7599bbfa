use crate::{DomainError, stored_enum};

stored_enum!(
    /// Partner Center's state of a customer's user: an account disabled by an admin is inactive.
    UserState {
        Active = "active",
        Inactive = "inactive",
    }
);

impl UserState {
    #[must_use]
    pub const fn of(disabled: bool) -> Self {
        if disabled {
            Self::Inactive
        } else {
            Self::Active
        }
    }
}

/// An email address, kept as typed and compared in lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub address: String,
    pub lower: String,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let address = input.trim();
        let bad = || DomainError::new("enter an email address such as name@example.com");
        if address.len() > 254 || address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = address.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.contains('@')
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        Ok(Self {
            address: address.to_owned(),
            lower: address.to_lowercase(),
        })
    }
}

pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 128;

/// A new password chosen by a person: 12–128 characters (NIST 800-63B length rules, no
/// composition rules), not the email address, and not easy to guess (zxcvbn score 3 or more).
pub fn check_new_password(password: &str, email: &str) -> Result<(), DomainError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(DomainError::new(format!(
            "use at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(DomainError::new(format!(
            "use at most {MAX_PASSWORD_LEN} characters"
        )));
    }
    if password.eq_ignore_ascii_case(email) {
        return Err(DomainError::new("must not be your email address"));
    }
    // Length alone lets "password1234" and the address itself through: zxcvbn estimates
    // how many guesses the password would take against common passwords, words, names,
    // keyboard patterns, dates and the person's own address; fewer than 10^10 is refused.
    let local = email.split('@').next().unwrap_or_default();
    let domain = email.rsplit('@').next().unwrap_or_default();
    let estimate = zxcvbn::zxcvbn(password, &[email, local, domain, "twotier"]);
    if estimate.score() < zxcvbn::Score::Three {
        let why = estimate
            .feedback()
            .and_then(zxcvbn::feedback::Feedback::warning)
            .map(|w| format!(" ({})", w.to_string().trim_end_matches('.').to_lowercase()))
            .unwrap_or_default();
        return Err(DomainError::new(format!(
            "this password is too easy to guess{why}; use a longer phrase of unrelated words"
        )));
    }
    Ok(())
}

/// A display name: trimmed, 1–100 characters.
pub fn parse_display_name(input: &str) -> Result<String, DomainError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DomainError::new("enter a name"));
    }
    if s.chars().count() > 100 {
        return Err(DomainError::new("use at most 100 characters"));
    }
    if s.chars().any(char::is_control) {
        return Err(DomainError::new("must not contain control characters"));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        let e = Email::parse(" Ada@Example.COM ").unwrap();
        assert_eq!(e.address, "Ada@Example.COM");
        assert_eq!(e.lower, "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.com",
            "a b@x.com",
            "a@x",
            "a@.x.com",
            "a@x..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("short", "a@b.c").is_err());
        assert!(check_new_password("a@example.com", "A@example.com").is_err());
        assert!(check_new_password("correct horse battery", "a@b.c").is_ok());
        for weak in [
            "password1234",
            "qwertyuiopasdf",
            "aaaaaaaaaaaaaaaa",
            "kim.lee@example.com1",
            "123456789012",
        ] {
            let e = check_new_password(weak, "kim.lee@example.com").unwrap_err();
            assert!(e.0.contains("too easy to guess"), "{weak}: {}", e.0);
        }
        for good in [
            "a brand new passphrase",
            "browser chosen passphrase",
            "a new password for 3f9a1c2b",
            "correct horse battery staple",
        ] {
            assert!(
                check_new_password(good, "kim.lee@example.com").is_ok(),
                "{good}"
            );
        }
        assert!(check_new_password(&"x".repeat(129), "a@b.c").is_err());
    }
}
