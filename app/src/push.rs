//! Web push: messages to browsers through their push service (RFC 8030), the
//! payload encrypted for the browser (RFC 8291, aes128gcm) and the request
//! signed with the server's VAPID key (RFC 8292). The VAPID key pair is made on
//! first start and kept in the database, so subscriptions survive restarts and
//! every server instance signs alike.

use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use thiserror::Error;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};
use web_push_native::{p256, Auth, WebPushBuilder};

use crate::store::push_subscriptions::Subscription;
use crate::store::{access, Db, StoreError, StoreResult};

/// How long a push service keeps a message for a browser that is offline: a
/// call is stale after that.
const TIME_TO_LIVE: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Error)]
pub enum PushError {
    /// The browser unsubscribed or its subscription expired: stop sending to it.
    #[error("the subscription is gone ({0})")]
    Gone(u16),
    #[error("the push service refused the message: {0}")]
    Refused(String),
    #[error("the push service is unreachable: {0}")]
    Unreachable(String),
    #[error("the subscription's keys are not usable: {0}")]
    BadSubscription(String),
}

pub struct PushSender {
    key: ES256KeyPair,
    public_key: String,
    /// Who the push service may contact about our messages (RFC 8292 `sub`).
    contact: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for PushSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushSender").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

impl PushSender {
    pub async fn load_or_create(db: &Db, contact: String) -> StoreResult<Self> {
        let stored = access::secret_or_create(db, "vapid_private_key", &ES256KeyPair::generate().to_bytes()).await?;
        let key = ES256KeyPair::from_bytes(&stored).map_err(|e| StoreError::Corrupt(format!("VAPID key: {e}")))?;
        let public_key = Base64UrlUnpadded::encode_string(&key.public_key().public_key().to_bytes_uncompressed());
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| StoreError::Corrupt(format!("HTTP client: {e}")))?;
        Ok(Self { key, public_key, contact, client })
    }

    /// The key browsers subscribe with (`applicationServerKey`), base64url.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    pub async fn send(&self, subscription: &Subscription, payload: &[u8]) -> Result<(), PushError> {
        let keys = SubscriptionKeys::decode(&subscription.p256dh, &subscription.auth)?;
        let endpoint = subscription.endpoint.parse().map_err(|e| PushError::BadSubscription(format!("{e}")))?;
        let request = WebPushBuilder::new(endpoint, keys.public, keys.auth)
            .with_valid_duration(TIME_TO_LIVE)
            .with_vapid(&self.key, &self.contact)
            .build(payload.to_vec())
            .map_err(|e| PushError::BadSubscription(e.to_string()))?;
        let (parts, body) = request.into_parts();
        let response = self
            .client
            .post(parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .map_err(|e| PushError::Unreachable(e.to_string()))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            status @ (404 | 410) => Err(PushError::Gone(status)),
            status => Err(PushError::Refused(format!("HTTP {status}"))),
        }
    }
}

/// A browser's keys, checked: a P-256 point and a 16-byte auth secret.
pub struct SubscriptionKeys {
    pub public: p256::PublicKey,
    pub auth: Auth,
}

impl SubscriptionKeys {
    pub fn decode(p256dh: &str, auth: &str) -> Result<Self, PushError> {
        let bad = |what: &str| PushError::BadSubscription(what.to_string());
        let point = Base64UrlUnpadded::decode_vec(p256dh.trim_end_matches('=')).map_err(|_| bad("p256dh"))?;
        let public = p256::PublicKey::from_sec1_bytes(&point).map_err(|_| bad("p256dh"))?;
        let secret = Base64UrlUnpadded::decode_vec(auth.trim_end_matches('=')).map_err(|_| bad("auth"))?;
        if secret.len() != 16 {
            return Err(bad("auth"));
        }
        Ok(Self { public, auth: Auth::clone_from_slice(&secret) })
    }
}
