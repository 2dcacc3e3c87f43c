//! Web push: messages to browsers through their push service (RFC 8030), the
//! payload encrypted for the browser (RFC 8291, aes128gcm) and the request
//! signed with the server's VAPID key (RFC 8292). The VAPID key pair is made on
//! first start and kept in the database, so subscriptions survive restarts and
//! every server instance signs alike.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use thiserror::Error;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};
use web_push_native::{p256, Auth, WebPushBuilder};

use crate::domain::outbound::{EndpointProblem, OutboundRules};
use crate::store::push_subscriptions::Subscription;
use crate::store::{access, Db, StoreError, StoreResult};

/// How long a push service keeps a message for a browser that is offline: a
/// call is stale after that.
const TIME_TO_LIVE: Duration = Duration::from_secs(15 * 60);
/// The longest one message may take, connection included; the notice sender
/// counts on it (see `crate::notify`).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Error)]
pub enum PushError {
    /// The browser unsubscribed or its subscription expired: stop sending to it.
    #[error("the subscription is gone ({0})")]
    Gone(u16),
    #[error("the push service refused the message: {0}")]
    Refused(String),
    /// The push service refused this message for good (a bad request,
    /// another site's VAPID key): sending it again would be refused again.
    #[error("the push service refused the message for good (HTTP {0})")]
    Rejected(u16),
    #[error("the push service is unreachable: {0}")]
    Unreachable(String),
    #[error("the subscription's keys are not usable: {0}")]
    BadSubscription(String),
    /// The endpoint breaks the outbound rules: never posted to.
    #[error("the endpoint is not allowed: {0}")]
    NotAllowed(EndpointProblem),
}

/// How soon the browser should be woken for a message (RFC 8030 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    High,
}

impl Urgency {
    fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::High => "high",
        }
    }
}

pub struct PushSender {
    key: ES256KeyPair,
    public_key: String,
    /// Who the push service may contact about our messages (RFC 8292 `sub`).
    contact: String,
    rules: OutboundRules,
    client: reqwest::Client,
}

impl std::fmt::Debug for PushSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushSender").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

/// Resolves names for the push client (and the webhook sender's) and refuses
/// any that reaches a non-public address, so a name that passed when it was
/// saved and was pointed inside since is caught at the connection itself.
struct PublicOnly(OutboundRules);

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let rules = self.0;
        Box::pin(async move {
            let addresses = resolve_checked(rules, name.as_str()).await?;
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

type ResolveError = Box<dyn std::error::Error + Send + Sync>;

/// Every address `host` resolves to, if each of them may be connected to.
pub async fn resolve_checked(rules: OutboundRules, host: &str) -> Result<Vec<SocketAddr>, ResolveError> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
    if addresses.is_empty() {
        return Err(format!("{host} has no address").into());
    }
    for address in &addresses {
        rules.check_address(address.ip())?;
    }
    Ok(addresses)
}

/// An HTTP client for addresses someone else named (a browser's push
/// service, an admin's webhook), under `rules`: every address a name resolves
/// to is checked before connecting, a redirect is never followed (it could
/// point anywhere, inside the office's network too), and no proxy from the
/// environment is used (it would resolve the name itself, past the check).
pub(crate) fn outbound_client(
    rules: OutboundRules,
    timeout: Duration,
    user_agent: &'static str,
) -> StoreResult<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(PublicOnly(rules)))
        .user_agent(user_agent)
        .build()
        .map_err(|e| StoreError::Corrupt(format!("HTTP client: {e}")))
}

impl PushSender {
    pub async fn load_or_create(db: &Db, contact: String, rules: OutboundRules) -> StoreResult<Self> {
        let stored = access::secret_or_create(db, "vapid_private_key", &ES256KeyPair::generate().to_bytes()).await?;
        let key = ES256KeyPair::from_bytes(&stored).map_err(|e| StoreError::Corrupt(format!("VAPID key: {e}")))?;
        let public_key = Base64UrlUnpadded::encode_string(&key.public_key().public_key().to_bytes_uncompressed());
        let client = outbound_client(rules, SEND_TIMEOUT, "Antrean-Push/1")?;
        Ok(Self { key, public_key, contact, rules, client })
    }

    /// The key browsers subscribe with (`applicationServerKey`), base64url.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    pub fn rules(&self) -> OutboundRules {
        self.rules
    }

    /// Sends one message. `topic` names it (RFC 8030 §5.4): a push service
    /// that still holds an undelivered message of the same topic replaces it,
    /// so a repeat after a crash reaches the browser once.
    pub async fn send(
        &self,
        subscription: &Subscription,
        payload: &[u8],
        urgency: Urgency,
        topic: &str,
    ) -> Result<(), PushError> {
        let url = self.rules.check_endpoint(&subscription.endpoint).map_err(PushError::NotAllowed)?;
        let keys = SubscriptionKeys::decode(&subscription.p256dh, &subscription.auth)?;
        let endpoint = url.as_str().parse().map_err(|e| PushError::BadSubscription(format!("{e}")))?;
        let request = WebPushBuilder::new(endpoint, keys.public, keys.auth)
            .with_valid_duration(TIME_TO_LIVE)
            .with_vapid(&self.key, &self.contact)
            .build(payload.to_vec())
            .map_err(|e| PushError::BadSubscription(e.to_string()))?;
        let (parts, body) = request.into_parts();
        let response = self
            .client
            .post(url)
            .headers(parts.headers)
            .header("Urgency", urgency.as_str())
            .header("Topic", topic)
            .body(body)
            .send()
            .await
            .map_err(|error| match not_allowed(&error) {
                Some(problem) => PushError::NotAllowed(problem),
                None => PushError::Unreachable(error.to_string()),
            })?;
        // The body is never read: a push service says all in its status.
        match response.status().as_u16() {
            200..=299 => Ok(()),
            status @ (404 | 410) => Err(PushError::Gone(status)),
            // This message refused for good: a subscription made for another
            // site's key answers 401 or 403 (RFC 8292), which must not pause
            // everyone's pushes to that service. Not a reason to remove the
            // subscription: a fault of ours (a VAPID token refused for a
            // clock's skew) answers the same for every subscription.
            status @ (400 | 401 | 403 | 413) => Err(PushError::Rejected(status)),
            status => Err(PushError::Refused(format!("HTTP {status}"))),
        }
    }
}

/// The outbound rule a connection failed on, if that is why it failed.
pub(crate) fn not_allowed(error: &reqwest::Error) -> Option<EndpointProblem> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(problem) = cause.downcast_ref::<EndpointProblem>() {
            return Some(problem.clone());
        }
        source = cause.source();
    }
    None
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
