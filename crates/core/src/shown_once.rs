//! Secrets shown exactly once, through a redirect: the POST that makes a temporary password,
//! token or client secret keeps it sealed for its session and redirects to a page that shows
//! it and forgets it, so Back and refresh neither post again nor show it twice.
//!
//! The sealing key is derived from the session's cookie token, which the database never
//! holds (it keeps only a hash): a copy of the database alone cannot read a waiting secret,
//! and another session cannot take it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use twotier_store::shown_once as store;

use twotier_domain::ids::ShownOnceId;

use crate::auth::Session;
use crate::{CoreError, Services, secrets};

/// How long a secret waits for its page: a redirect takes milliseconds, a slow phone seconds.
const WAIT_MILLIS: i64 = 10 * 60_000;

/// How long after its page was opened a secret may be shown once more to a repeat of the
/// form that made it: a double-click's browser may abandon the first page it opened.
const AGAIN_MILLIS: i64 = 10_000;

/// What the one-time page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    pub heading: String,
    /// Facts about what the secret is for (user name, expiry), as label and value.
    pub facts: Vec<(String, String)>,
    pub secret_label: String,
    pub secret: String,
    pub usage: String,
    pub back_href: String,
    pub back_label: String,
    /// An email that carries the secret (an invitation's link), which the person may edit
    /// before sending it.
    #[serde(default)]
    pub email: Option<EmailDraft>,
}

/// The subject and text of an email to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailDraft {
    pub subject: String,
    pub body: String,
}

/// Seals `secret` for the session whose cookie carries `token`; returns the id of its page.
/// A secret made by a change with an idempotency key keeps it as its `slot`: its page then
/// has the id [`slot_page`] gives, so a repeat of that change (a double-click) is sent to
/// the same one page rather than to nothing.
pub async fn keep(
    svc: &Services,
    session: &Session,
    token: &str,
    secret: &Secret,
    slot: Option<&str>,
) -> Result<ShownOnceId, CoreError> {
    let id = slot.map_or_else(ShownOnceId::generate, |slot| slot_page(token, slot));
    let plain =
        serde_json::to_vec(secret).map_err(|e| CoreError::internal_msg(format!("secret: {e}")))?;
    let stored = seal(token, id.as_str(), &plain)?;
    let now = svc.now().millis();
    let mut tx = svc.db.begin().await?;
    store::insert(
        &mut tx.conn(),
        &id,
        session.id_hash(),
        &stored,
        now,
        (now - WAIT_MILLIS, now - AGAIN_MILLIS),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The secret behind `id`, once: `None` when it was shown already, is stale, belongs to
/// another session or never existed.
pub async fn take(
    svc: &Services,
    session: &Session,
    token: &str,
    id: &str,
) -> Result<Option<Secret>, CoreError> {
    let Some(id) = ShownOnceId::parse(id) else {
        return Ok(None);
    };
    let now = svc.now().millis();
    let mut tx = svc.db.begin().await?;
    let sealed = store::take(
        &mut tx.conn(),
        &id,
        session.id_hash(),
        now - WAIT_MILLIS,
        now,
        now - AGAIN_MILLIS,
    )
    .await?;
    tx.commit().await?;
    Ok(sealed
        .and_then(|stored| open(token, id.as_str(), &stored))
        .and_then(|plain| serde_json::from_slice(&plain).ok()))
}

/// The page of the secret made by the change keyed `slot`, for a repeat of that change: the
/// first request may have committed but not yet kept its secret (the two run a moment apart,
/// and a browser's double-click sends the second while the first is still answering), so
/// this waits up to `within` for it to be kept. A secret already shown answers at once, and
/// one shown only seconds ago is shown once more (the browser abandoned that page).
pub async fn page_of_slot(
    svc: &Services,
    session: &Session,
    token: &str,
    slot: &str,
    within: std::time::Duration,
) -> Result<ShownOnceId, CoreError> {
    const POLL: std::time::Duration = std::time::Duration::from_millis(25);
    let id = slot_page(token, slot);
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let now = svc.now().millis();
        let mut tx = svc.db.begin().await?;
        let kept = store::find_again(
            &mut tx.conn(),
            &id,
            session.id_hash(),
            now - WAIT_MILLIS,
            now - AGAIN_MILLIS,
        )
        .await?;
        tx.commit().await?;
        if kept || tokio::time::Instant::now() >= deadline {
            return Ok(id);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The page id of the secret made by the change keyed `slot` in the session of `token`:
/// the same for every repeat, unguessable without the session's cookie.
pub fn slot_page(token: &str, slot: &str) -> ShownOnceId {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(b"twotier shown-once slot v1:");
    mac.update(slot.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    ShownOnceId::from_stored(
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string(),
    )
}

/// Base64 of nonce and ciphertext, bound to the id.
fn seal(token: &str, id: &str, plain: &[u8]) -> Result<String, CoreError> {
    let nonce = secrets::random_bytes::<12>();
    let sealed = cipher(token, id)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: id.as_bytes(),
            },
        )
        .map_err(|_| CoreError::internal("sealing a secret failed"))?;
    let mut stored = nonce.to_vec();
    stored.extend_from_slice(&sealed);
    Ok(STANDARD.encode(stored))
}

/// The plain text of [`seal`], or `None` for another token, another id or a broken value.
fn open(token: &str, id: &str, stored: &str) -> Option<Vec<u8>> {
    let stored = STANDARD.decode(stored).ok()?;
    if stored.len() < 12 {
        return None;
    }
    let (nonce, sealed) = stored.split_at(12);
    cipher(token, id)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: id.as_bytes(),
            },
        )
        .ok()
}

/// A key of its own for each waiting secret, from the session token and the secret's id.
fn cipher(token: &str, id: &str) -> ChaCha20Poly1305 {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(b"twotier shown-once v1:");
    mac.update(id.as_bytes());
    let key = mac.finalize().into_bytes();
    ChaCha20Poly1305::new(Key::from_slice(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_token_and_id_open_a_sealed_secret() {
        let sealed = seal("tts_one", "a1", b"ttp_secret").expect("seal");
        assert!(!sealed.contains("ttp_secret"));
        assert_eq!(
            open("tts_one", "a1", &sealed).as_deref(),
            Some(&b"ttp_secret"[..])
        );
        assert_eq!(open("tts_two", "a1", &sealed), None);
        assert_eq!(open("tts_one", "a2", &sealed), None);
        assert_eq!(open("tts_one", "a1", "not base64!"), None);
        assert_eq!(slot_page("tts_one", "k"), slot_page("tts_one", "k"));
        assert_ne!(slot_page("tts_one", "k"), slot_page("tts_two", "k"));
        assert_ne!(slot_page("tts_one", "k"), slot_page("tts_one", "l"));
        assert!(ShownOnceId::parse(slot_page("tts_one", "k").as_str()).is_some());
        assert_ne!(
            seal("tts_one", "a1", b"x").ok(),
            seal("tts_one", "a1", b"x").ok()
        );
    }
}
