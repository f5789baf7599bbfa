//! argon2id password hashing, off the async threads and bounded, so a flood of sign-ins
//! queues instead of taking every core.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Argon2Params {
    /// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
    pub const OWASP: Self = Self {
        m_cost_kib: 19_456,
        t_cost: 2,
        p_cost: 1,
    };
    /// For tests only: fast, and still a real argon2id hash.
    pub const TEST: Self = Self {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    };
}

#[derive(Debug, Clone)]
pub struct Hasher {
    params: Argon2Params,
    permits: Arc<Semaphore>,
    /// Verified when the account is unknown, so both cases take the same time.
    dummy_hash: Arc<String>,
    /// argon2 runs so far: the work a sign-in did, which must not depend on whether the
    /// account exists (tests compare it; it is not a timing).
    runs: Arc<AtomicU64>,
}

fn argon2(p: Argon2Params) -> Result<Argon2<'static>, CoreError> {
    let params = Params::new(p.m_cost_kib, p.t_cost, p.p_cost, None)
        .map_err(|_| CoreError::internal("invalid argon2 parameters"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A hash with a random salt: the dummy an unknown account is checked against, and older
/// hashes in tests.
fn hash_now(params: Argon2Params, password: &str) -> Result<String, CoreError> {
    hash_with(params, password, &crate::secrets::random_bytes::<16>())
}

fn hash_with(params: Argon2Params, password: &str, salt: &[u8; 16]) -> Result<String, CoreError> {
    let salt =
        SaltString::encode_b64(salt).map_err(|_| CoreError::internal("salt encoding failed"))?;
    Ok(argon2(params)?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| CoreError::internal("password hashing failed"))?
        .to_string())
}

/// A PHC string without its last field (the hash): algorithm, version, parameters and salt.
fn setting(phc: &str) -> &str {
    phc.rsplit_once('$').map_or(phc, |(head, _)| head)
}

/// The setting every hash made with this salt and these parameters starts with (as the
/// argon2 crate writes it; the unit test below checks it does).
fn our_setting(params: Argon2Params, salt: &[u8; 16]) -> Result<String, CoreError> {
    let salt =
        SaltString::encode_b64(salt).map_err(|_| CoreError::internal("salt encoding failed"))?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}",
        params.m_cost_kib,
        params.t_cost,
        params.p_cost,
        salt.as_str()
    ))
}

/// Which of the stored hashes `password` matches. Hashes made with `salt` and the current
/// parameters are checked with one argon2 run for all of them; any other (an older hash)
/// costs a run of its own; with no hash made this way there is still one run, so an address
/// with no account, with one, or with one that has a temporary password only, all take the
/// same time.
fn matches(
    params: Argon2Params,
    password: &str,
    salt: &[u8; 16],
    stored: &[Option<String>],
    runs: &AtomicU64,
) -> Result<Vec<bool>, CoreError> {
    let ours_setting = our_setting(params, salt)?;
    let hashes: Vec<&str> = stored.iter().flatten().map(String::as_str).collect();
    let older = hashes.iter().filter(|h| setting(h) != ours_setting).count();
    let ours = if older < hashes.len() || hashes.is_empty() {
        runs.fetch_add(1, Ordering::Relaxed);
        Some(hash_with(params, password, salt)?)
    } else {
        None
    };
    runs.fetch_add(older as u64, Ordering::Relaxed);
    Ok(stored
        .iter()
        .map(|h| match h {
            None => false,
            Some(h) if setting(h) == ours_setting => ours
                .as_deref()
                .is_some_and(|o| crate::secrets::constant_time_eq(o, h)),
            Some(h) => verify_one(password, h),
        })
        .collect())
}

fn verify_one(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

impl Hasher {
    pub fn new(params: Argon2Params, permits: usize) -> Self {
        let dummy = hash_now(params, "twotier-dummy-password").unwrap_or_default();
        Self {
            params,
            permits: Arc::new(Semaphore::new(permits.max(1))),
            dummy_hash: Arc::new(dummy),
            runs: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Runs argon2 work off the async threads, `runs` runs of it, once a permit is free.
    async fn blocking<T: Send + 'static>(
        &self,
        runs: u64,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, CoreError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| CoreError::internal("hasher closed"))?;
        self.runs.fetch_add(runs, Ordering::Relaxed);
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| CoreError::internal("hashing task failed"))
    }

    /// A hash with a random salt, as hashes were before the per-address salt (tests of how
    /// such older hashes are still checked).
    #[cfg(test)]
    pub async fn hash(&self, password: &str) -> Result<String, CoreError> {
        let (params, password) = (self.params, password.to_owned());
        self.blocking(1, move || hash_now(params, &password))
            .await?
    }

    /// Checks a password against a stored PHC string; `None` verifies against a dummy hash
    /// and returns false, costing the same time.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, CoreError> {
        let known = stored.is_some();
        let stored = stored.map_or_else(|| self.dummy_hash.as_str().to_owned(), str::to_owned);
        let password = password.to_owned();
        let ok = self
            .blocking(1, move || verify_one(&password, &stored))
            .await?;
        Ok(ok && known)
    }

    pub fn params(&self) -> Argon2Params {
        self.params
    }

    /// How many argon2 runs this hasher has made.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// Hashes a person's new password with the salt of their sign-in name
    /// (`auth::password_salt`), so that sign-in checks every account with that address in
    /// one run.
    pub async fn hash_with_salt(
        &self,
        password: &str,
        salt: [u8; 16],
    ) -> Result<String, CoreError> {
        let (params, password) = (self.params, password.to_owned());
        self.blocking(1, move || hash_with(params, &password, &salt))
            .await?
    }

    /// Which of the stored hashes (of every account with one sign-in name, `None` for an
    /// account without a permanent password) the password matches; see `matches`.
    pub async fn verify_all(
        &self,
        password: &str,
        salt: [u8; 16],
        stored: Vec<Option<String>>,
    ) -> Result<Vec<bool>, CoreError> {
        let (params, runs) = (self.params, self.runs.clone());
        let password = password.to_owned();
        self.blocking(0, move || matches(params, &password, &salt, &stored, &runs))
            .await?
    }

    /// Whether a stored hash predates the name's salt or the current parameters, so that a
    /// successful sign-in should store it again.
    pub fn is_older(&self, stored: &str, salt: [u8; 16]) -> bool {
        our_setting(self.params, &salt).map_or(true, |ours| ours != setting(stored))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id() {
        let h = Hasher::new(Argon2Params::TEST, 1);
        let stored = h.hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
        assert!(
            h.verify("correct horse battery", Some(&stored))
                .await
                .unwrap()
        );
        assert!(
            !h.verify("wrong horse battery", Some(&stored))
                .await
                .unwrap()
        );
        assert!(!h.verify("anything", None).await.unwrap());
    }

    #[tokio::test]
    async fn one_run_checks_every_hash_of_a_name_and_older_hashes_still_work() {
        let h = Hasher::new(Argon2Params::TEST, 1);
        let salt = [7u8; 16];
        let a = h.hash_with_salt("first password!", salt).await.unwrap();
        let b = h.hash_with_salt("second password", salt).await.unwrap();
        assert_eq!(setting(&a), our_setting(Argon2Params::TEST, &salt).unwrap());
        let old = h.hash("first password!").await.unwrap();
        assert!(!h.is_older(&a, salt) && h.is_older(&old, salt));
        let stored = vec![Some(a), None, Some(b), Some(old)];
        assert_eq!(
            h.verify_all("first password!", salt, stored.clone())
                .await
                .unwrap(),
            vec![true, false, false, true]
        );
        assert_eq!(
            h.verify_all("second password", salt, stored).await.unwrap(),
            vec![false, false, true, false]
        );
        assert!(
            h.verify_all("x", salt, Vec::new())
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn default_parameters_are_the_owasp_minimum() {
        assert_eq!(
            Argon2Params::OWASP,
            Argon2Params {
                m_cost_kib: 19_456,
                t_cost: 2,
                p_cost: 1
            }
        );
    }
}
