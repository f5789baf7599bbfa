//! argon2id password hashing, off the async threads and bounded, so a flood of sign-ins
//! queues instead of taking every core.

use std::sync::Arc;

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
}

fn argon2(p: Argon2Params) -> Result<Argon2<'static>, CoreError> {
    let params = Params::new(p.m_cost_kib, p.t_cost, p.p_cost, None)
        .map_err(|_| CoreError::internal("invalid argon2 parameters"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(params: Argon2Params, password: &str) -> Result<String, CoreError> {
    let salt = SaltString::encode_b64(&crate::secrets::random_bytes::<16>())
        .map_err(|_| CoreError::internal("salt encoding failed"))?;
    Ok(argon2(params)?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| CoreError::internal("password hashing failed"))?
        .to_string())
}

impl Hasher {
    pub fn new(params: Argon2Params, permits: usize) -> Self {
        let dummy = hash_now(params, "twotier-dummy-password").unwrap_or_default();
        Self {
            params,
            permits: Arc::new(Semaphore::new(permits.max(1))),
            dummy_hash: Arc::new(dummy),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, CoreError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| CoreError::internal("hasher closed"))?;
        let params = self.params;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_now(params, &password))
            .await
            .map_err(|_| CoreError::internal("hashing task failed"))?
    }

    /// Checks a password against a stored PHC string; `None` verifies against a dummy hash
    /// and returns false, costing the same time.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, CoreError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| CoreError::internal("hasher closed"))?;
        let known = stored.is_some();
        let stored = stored.map_or_else(|| self.dummy_hash.as_str().to_owned(), str::to_owned);
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|h| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|_| CoreError::internal("hashing task failed"))?;
        Ok(ok && known)
    }

    pub fn params(&self) -> Argon2Params {
        self.params
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
