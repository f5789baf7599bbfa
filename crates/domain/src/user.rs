use crate::DomainError;

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
/// composition rules), and not the same as the email address.
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
        assert!(check_new_password(&"x".repeat(129), "a@b.c").is_err());
    }
}
