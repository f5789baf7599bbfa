//! One change = one transaction: the business rows, the audit record and the idempotency
//! key commit together or not at all.

use serde::Serialize;
use serde::de::DeserializeOwned;
use twotier_domain::actor::Actor;
use twotier_store::{Conn, Tx, idempotency};

use crate::{CoreError, Services, audit};

/// Request ids travelling with a change, from the HTTP headers (or none, from the CLI).
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub correlation_id: Option<String>,
    pub idempotency: Option<IdempotencyKey>,
}

/// `MS-RequestId` / `Idempotency-Key` and a fingerprint of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: String,
}

/// A result that can be stored for replay. Secrets shown once must be removed here.
pub trait Replayable: Serialize + DeserializeOwned {
    #[must_use]
    fn for_replay(&self) -> Self;
}

/// Either a fresh change to make, or the stored result of the first request with this key.
#[derive(Debug)]
pub enum Begun<'a, T> {
    Fresh(Change<'a>),
    Replay(T),
}

/// An open change: a write transaction with the actor and request it belongs to.
#[derive(Debug)]
pub struct Change<'a> {
    tx: Tx,
    pub svc: &'a Services,
    pub actor: &'a Actor,
    pub meta: &'a RequestMeta,
}

impl<'a> Change<'a> {
    /// Opens the transaction and claims the idempotency key, if the request has one.
    pub async fn begin<T: Replayable>(
        svc: &'a Services,
        actor: &'a Actor,
        meta: &'a RequestMeta,
    ) -> Result<Begun<'a, T>, CoreError> {
        let mut tx = svc.db.begin().await?;
        if let Some(k) = &meta.idempotency {
            let principal = actor.principal_id();
            let tenant = &actor.tenant_id;
            let now = svc.now().millis();
            if !idempotency::claim(
                &mut tx.conn(),
                tenant,
                &principal,
                &k.key,
                &k.fingerprint,
                now,
            )
            .await?
            {
                let row = idempotency::find(&mut tx.conn(), tenant, &principal, &k.key).await?;
                // Committed (nothing was written) rather than dropped, before answering from
                // what it read: on SQLite the first request may be in this transaction's
                // batch, not yet saved (see `store::sqlite_writer`).
                tx.commit().await?;
                let row = row.ok_or(CoreError::IdempotencyInFlight)?;
                if row.fingerprint != k.fingerprint {
                    return Err(CoreError::IdempotencyMismatch);
                }
                let Some(stored) = row.response else {
                    return Err(CoreError::IdempotencyInFlight);
                };
                let replay = serde_json::from_str(&stored)?;
                return Ok(Begun::Replay(replay));
            }
        }
        Ok(Begun::Fresh(Self {
            tx,
            svc,
            actor,
            meta,
        }))
    }

    /// Opens a transaction for a change that has no idempotency key (UI, CLI, sign-in).
    pub async fn begin_plain(
        svc: &'a Services,
        actor: &'a Actor,
        meta: &'a RequestMeta,
    ) -> Result<Self, CoreError> {
        Ok(Self {
            tx: svc.db.begin().await?,
            svc,
            actor,
            meta,
        })
    }

    pub fn conn(&mut self) -> Conn<'_> {
        self.tx.conn()
    }

    /// Writes the audit record of this change inside its transaction.
    pub async fn audit(&mut self, event: audit::Event) -> Result<(), CoreError> {
        let row = audit::row(self.svc, self.actor, self.meta, event);
        twotier_store::audit::insert(&mut self.tx.conn(), &row).await?;
        Ok(())
    }

    /// Stores the replayable result with the key and commits everything.
    pub async fn commit<T: Replayable>(mut self, out: &T) -> Result<(), CoreError> {
        if let Some(k) = &self.meta.idempotency {
            let stored = serde_json::to_string(&out.for_replay())?;
            let principal = self.actor.principal_id();
            idempotency::complete(
                &mut self.tx.conn(),
                &self.actor.tenant_id,
                &principal,
                &k.key,
                &stored,
            )
            .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }

    /// Commits a change that has nothing to replay.
    pub async fn commit_plain(self) -> Result<(), CoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// The stored result of a finished change with this key, read without claiming it: how a
/// confirm-once page answers a repeat whose form has gone (a double-click on a last step).
/// `None` while the first request is still running or when there was none.
pub async fn replayed<T: Replayable>(
    svc: &Services,
    actor: &Actor,
    key: &str,
) -> Result<Option<T>, CoreError> {
    let mut c = svc.db.read().await?;
    let row =
        idempotency::find(&mut c.conn(), &actor.tenant_id, &actor.principal_id(), key).await?;
    match row.and_then(|r| r.response) {
        Some(stored) => Ok(Some(serde_json::from_str(&stored)?)),
        None => Ok(None),
    }
}

/// Opens a change, or returns from the calling use case with the stored result of the first
/// request that carried the same idempotency key.
#[macro_export]
macro_rules! begin_change {
    ($svc:expr, $actor:expr, $meta:expr, $t:ty) => {
        match $crate::write::Change::begin::<$t>($svc, $actor, $meta).await? {
            $crate::write::Begun::Replay(done) => return Ok(done),
            $crate::write::Begun::Fresh(ch) => ch,
        }
    };
}

/// Unit results replay as themselves.
impl Replayable for () {
    fn for_replay(&self) -> Self {}
}
