//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the
//! kind every authenticator app reads from a QR code.

use hmac::{Hmac, Mac};
use sha1::Sha1;

const STEP_MS: i64 = 30_000;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps expect the secret.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for ch in s.trim_end_matches('=').bytes() {
        let v = ALPHABET
            .iter()
            .position(|&a| a == ch.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push(((buffer >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// A new 160-bit secret in base32.
pub fn new_secret() -> String {
    base32(&crate::secrets::random_bytes::<20>())
}

/// The code for one time step.
pub fn code_at(secret: &[u8], step: i64) -> String {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("any key length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// The step a code matches, accepting one step of clock drift either way.
pub fn matching_step(secret_b32: &str, code: &str, now_ms: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secret = base32_decode(secret_b32)?;
    let now = now_ms.div_euclid(STEP_MS);
    (now - 1..=now + 1)
        .find(|&step| crate::secrets::constant_time_eq(&code_at(&secret, step), &code))
}

/// `otpauth://` URI for the QR code.
pub fn provisioning_uri(secret_b32: &str, account: &str, issuer: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The URI as an SVG QR code.
pub fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890", 8 digits; we use the last 6.
        let key = b"12345678901234567890";
        assert_eq!(code_at(key, 59 / 30), "287082");
        assert_eq!(code_at(key, 1_111_111_109 / 30), "081804");
        assert_eq!(code_at(key, 1_234_567_890 / 30), "005924");
    }

    #[test]
    fn base32_round_trips_and_codes_match_with_drift() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        let raw = base32_decode(&secret).unwrap();
        assert_eq!(raw.len(), 20);
        let now = 1_700_000_000_000;
        let code = code_at(&raw, now / STEP_MS - 1);
        assert_eq!(matching_step(&secret, &code, now), Some(now / STEP_MS - 1));
        assert_eq!(matching_step(&secret, "12345", now), None);
        let old = code_at(&raw, now / STEP_MS - 5);
        assert_ne!(matching_step(&secret, &old, now), Some(now / STEP_MS - 5));
    }

    #[test]
    fn qr_is_svg() {
        let svg = qr_svg(&provisioning_uri(
            "JBSWY3DPEHPK3PXP",
            "ada@example.com",
            "twotier",
        ));
        assert!(svg.contains("<svg"));
    }
}
