//! The background sender of webhook deliveries. Deliveries are written with
//! the ticket change they tell of (`store::webhooks`); this task claims the
//! due ones, posts each signed (`domain::webhook::sign`) to its receiver under
//! the same outbound rules as web push (`domain::outbound`: public HTTPS only,
//! checked again on every address a name resolves to, redirects never
//! followed), and records the outcome: delivered, due again at the next
//! retry, or given up on after the last.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::clock::Clock;
use crate::domain::outbound::OutboundRules;
use crate::domain::webhook::{self, EventBody, Payload};
use crate::push::{not_allowed, outbound_client};
use crate::store::webhooks::{self, Delivery, Outcome};
use crate::store::{Db, StoreResult};

/// The longest one delivery may take, connection included; well inside the
/// claim's lease (`store::webhooks::CLAIM_LEASE_SECONDS`).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the sender looks for due deliveries. Events reach a receiver
/// within about this; a round that finds nothing costs one indexed query.
const POLL: Duration = Duration::from_secs(1);
/// Deliveries in flight at once, shared by every office: a slow receiver
/// holds only its own slot, and an office's receivers together no more than
/// `domain::webhook::IN_FLIGHT_PER_OFFICE` (`webhooks::claim` leaves the rest
/// of its deliveries for later).
pub const IN_FLIGHT: usize = 32;
/// The longest result kept: an error's chain of causes can be long.
const RESULT_MAX_CHARS: usize = 300;

pub struct WebhookSender {
    db: Db,
    clock: Clock,
    rules: OutboundRules,
    client: reqwest::Client,
}

impl WebhookSender {
    pub fn new(db: Db, clock: Clock, rules: OutboundRules) -> StoreResult<Self> {
        let client = outbound_client(rules, SEND_TIMEOUT, "Antrean-Webhook/1")?;
        Ok(Self { db, clock, rules, client })
    }

    /// Runs the sender for as long as the server runs.
    pub fn start(self) {
        let sender = Arc::new(self);
        tokio::spawn(async move {
            match webhooks::release_claims_of_a_dead_sender(&sender.db).await {
                Ok(0) => {}
                Ok(released) => tracing::info!(released, "webhook deliveries claimed before a restart are due again"),
                Err(error) => tracing::error!(%error, "could not release the webhook deliveries of a dead sender"),
            }
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            loop {
                sender.clone().round(&slots).await;
                tokio::time::sleep(POLL).await;
            }
        });
    }

    /// Claims as many due deliveries as there are free slots and sends each
    /// in a task of its own.
    async fn round(self: Arc<Self>, slots: &Arc<Semaphore>) {
        let free = slots.available_permits();
        if free == 0 {
            return;
        }
        let claimed = match webhooks::claim(&self.db, self.clock.now(), i64::try_from(free).unwrap_or(1)).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "could not claim webhook deliveries");
                return;
            }
        };
        for delivery in claimed {
            let Ok(slot) = slots.clone().acquire_owned().await else { return };
            let sender = self.clone();
            tokio::spawn(async move {
                let outcome = sender.send(&delivery).await;
                if !outcome.delivered {
                    tracing::info!(delivery = delivery.id, result = %outcome.result, "webhook delivery failed");
                }
                if let Err(error) = webhooks::record_try(&sender.db, &delivery, &outcome, sender.clock.now()).await {
                    tracing::error!(%error, delivery = delivery.id, "could not record a webhook delivery");
                }
                drop(slot);
            });
        }
    }

    /// One try: 2xx is delivered; any other answer, a redirect included, or
    /// no answer is a failure to retry.
    async fn send(&self, delivery: &Delivery) -> Outcome {
        let failed =
            |result: String| Outcome { delivered: false, result: result.chars().take(RESULT_MAX_CHARS).collect() };
        let url = match self.rules.check_endpoint(&delivery.url) {
            Ok(url) => url,
            Err(problem) => return failed(format!("not allowed: {problem}")),
        };
        let body = match serde_json::from_str::<EventBody>(&delivery.body) {
            Ok(body) => body,
            Err(error) => return failed(format!("unreadable body: {error}")),
        };
        let payload = Payload { event: delivery.event.clone(), delivery: delivery.id, body };
        let Ok(bytes) = serde_json::to_vec(&payload) else { return failed("unwritable body".into()) };
        let signature = webhook::sign(&delivery.secret, self.clock.now().timestamp(), &bytes);
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(webhook::SIGNATURE_HEADER, signature)
            .header(webhook::EVENT_HEADER, &delivery.event)
            .header(webhook::DELIVERY_HEADER, delivery.id.to_string())
            .body(bytes)
            .send()
            .await;
        match response {
            // The body is never read: the status says all.
            Ok(response) => {
                let status = response.status();
                Outcome { delivered: status.is_success(), result: format!("HTTP {}", status.as_u16()) }
            }
            // Without the URL: its path or query may hold the receiver's own
            // token, and the result is shown on the page and logged.
            Err(error) => match not_allowed(&error) {
                Some(problem) => {
                    // The address for the operator's log; the page shows only why.
                    tracing::warn!(?problem, "a webhook's receiver is not allowed");
                    failed(format!("not allowed: {problem}"))
                }
                None => failed(causes(&error.without_url())),
            },
        }
    }
}

/// An error with its causes, as an admin reads why a receiver was not reached
/// ("connection refused", "timed out"), not just "error sending request".
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
