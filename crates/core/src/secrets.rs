//! Random secrets and their hashes. Secrets are shown once and stored only as hashes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS generator failing is not recoverable; better to stop than to issue a weak secret.
    #[expect(
        clippy::expect_used,
        reason = "no safe fallback exists for a broken OS RNG"
    )]
    getrandom::getrandom(&mut buf).expect("the operating system's random generator failed");
    buf
}

/// A 256-bit bearer secret (session id, API token, client secret), URL-safe, with a prefix
/// that tells people and secret scanners what it is.
pub fn new_token(prefix: &str) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

/// SHA-256 hex: enough for 256-bit random secrets, which cannot be guessed.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

const TEMP_ALPHABET: &[u8; 64] =
    b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_!@#$%";

/// 20 characters from a 64-symbol alphabet: 120 bits.
pub fn new_temp_password() -> String {
    random_bytes::<20>()
        .iter()
        .map(|b| TEMP_ALPHABET[usize::from(b & 63)] as char)
        .collect()
}

/// Keyed hash of a temporary password. 120 random bits need no slow hash, only a key, so a
/// stolen table alone cannot be checked offline.
pub fn hmac_hex(key: &[u8; 32], secret: &str) -> String {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(secret.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_passwords_are_long_and_distinct() {
        let a = new_temp_password();
        let b = new_temp_password();
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| TEMP_ALPHABET.contains(&(c as u8))));
    }

    #[test]
    fn tokens_carry_256_bits() {
        let t = new_token("tt_");
        assert!(t.starts_with("tt_"));
        assert_eq!(t.len(), 3 + 43);
        assert_eq!(sha256_hex("abc").len(), 64);
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd"));
    }
}
