//! Webhooks: an office's own systems (a dashboard, a records system, a chat
//! bot) told over HTTPS when its tickets move. This module holds the rules:
//! which ticket moves are events, what a delivery's body says (never who the
//! citizen is), how it is signed so the receiver can tell it came from us and
//! was not replayed, when a failed delivery is tried again, and how many
//! webhooks an office keeps. The store writes deliveries in the ticket's own
//! transaction (`store::webhooks`); `crate::webhook` sends them.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::ticket::{TicketState, Transition};

/// What happened to a ticket, as a receiver subscribes to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WebhookEvent {
    TicketIssued,
    TicketCalled,
    TicketFinished,
    TicketNoShow,
    TicketCancelled,
}

impl WebhookEvent {
    pub const ALL: [Self; 5] =
        [Self::TicketIssued, Self::TicketCalled, Self::TicketFinished, Self::TicketNoShow, Self::TicketCancelled];

    /// The name a receiver reads in the body and in `Antrean-Event`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TicketIssued => "ticket.issued",
            Self::TicketCalled => "ticket.called",
            Self::TicketFinished => "ticket.finished",
            Self::TicketNoShow => "ticket.no_show",
            Self::TicketCancelled => "ticket.cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == value)
    }

    /// The event a move of a ticket is, if any. Every call counts, a recall
    /// too (the board shows it again); serving and putting back in a queue
    /// (requeue, transfer) are the office's inner workings and tell a
    /// receiver nothing it acts on.
    pub fn of_move(moved: &Transition) -> Option<Self> {
        match moved.to {
            TicketState::Called => Some(Self::TicketCalled),
            TicketState::Done => Some(Self::TicketFinished),
            TicketState::NoShow => Some(Self::TicketNoShow),
            TicketState::Cancelled => Some(Self::TicketCancelled),
            TicketState::Waiting | TicketState::Serving => None,
        }
    }

    /// The pattern the stored event list matches when it holds this event
    /// (see `EventSet::stored`).
    pub fn stored_pattern(self) -> String {
        format!("%,{},%", self.as_str())
    }
}

/// The events a webhook is subscribed to: at least one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSet(Vec<WebhookEvent>);

impl EventSet {
    /// The events ticked, in `WebhookEvent::ALL` order; an unknown name is refused.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, WebhookProblem> {
        let mut chosen = Vec::new();
        for name in names {
            chosen.push(WebhookEvent::parse(name.trim()).ok_or(WebhookProblem::UnknownEvent)?);
        }
        let events: Vec<_> = WebhookEvent::ALL.into_iter().filter(|event| chosen.contains(event)).collect();
        if events.is_empty() {
            return Err(WebhookProblem::NoEvents);
        }
        Ok(Self(events))
    }

    pub fn events(&self) -> &[WebhookEvent] {
        &self.0
    }

    pub fn contains(&self, event: WebhookEvent) -> bool {
        self.0.contains(&event)
    }

    /// As kept in the database: the names between commas, with a comma at
    /// each end, so one `LIKE '%,ticket.called,%'` finds the subscribers of
    /// an event.
    pub fn stored(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|event| event.as_str()).collect();
        format!(",{},", names.join(","))
    }

    pub fn from_stored(stored: &str) -> Option<Self> {
        Self::parse(stored.split(',').filter(|name| !name.is_empty())).ok()
    }
}

/// Why a webhook cannot be added as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum WebhookProblem {
    /// Not an https URL on port 443 of a public host (see `domain::outbound`).
    #[error("not a public https URL")]
    NotPublicHttps,
    #[error("no event chosen")]
    NoEvents,
    #[error("an unknown event")]
    UnknownEvent,
    #[error("the office has {MAX_PER_OFFICE} webhooks already")]
    TooMany,
}

/// Webhooks an office keeps at once: each one is a request per ticket move,
/// on the office's busiest mornings too.
pub const MAX_PER_OFFICE: usize = 5;

/// Deliveries one webhook may have waiting. A receiver that is down drains
/// one delivery per retry, so without a bound a dead receiver at a busy
/// office (thousands of events a day) would grow the table for as long as
/// nobody removes it. This is about a day of a busy office; past it, new
/// events are not written for that webhook until its backlog goes down (the
/// page shows the count).
pub const PENDING_PER_WEBHOOK: i64 = 5_000;

/// Deliveries of one office in flight at once, all its webhooks together.
/// A receiver that hangs holds its request for the whole send timeout, and
/// the senders' slots are shared by every office: this keeps an office whose
/// receivers hang from holding more than a few of them, so other offices'
/// deliveries still go at once.
pub const IN_FLIGHT_PER_OFFICE: i64 = 2;

/// Days a delivered or given-up delivery is kept (to look into a complaint
/// that an event never arrived) before the hourly tidy-up removes it: every
/// ticket move of an office writes one per webhook, so they are not kept for good.
pub const FINISHED_DELIVERIES_KEPT_DAYS: i64 = 30;

/// Whether an office with `active` webhooks may add one more.
pub fn may_add(active: usize) -> Result<(), WebhookProblem> {
    if active < MAX_PER_OFFICE {
        Ok(())
    } else {
        Err(WebhookProblem::TooMany)
    }
}

/// The request headers a delivery carries.
pub const SIGNATURE_HEADER: &str = "Antrean-Signature";
pub const EVENT_HEADER: &str = "Antrean-Event";
pub const DELIVERY_HEADER: &str = "Antrean-Delivery";

/// How far a signature's time may be from the receiver's clock: wide enough
/// for a slow network and a clock a little off, narrow enough that a
/// captured request cannot be replayed later.
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 5 * 60;

/// Bytes of randomness in a webhook's secret (shown as 64 hex digits).
pub const SECRET_BYTES: usize = 32;

/// Waits before each retry of a failed delivery: quick at first (a receiver
/// restarting), then longer (a receiver down for the day), so the last try
/// comes about a day after the first. Then the delivery is given up on.
pub const RETRY_DELAYS_SECONDS: [i64; 10] =
    [30, 60, 2 * 60, 5 * 60, 15 * 60, 60 * 60, 6 * 3600, 6 * 3600, 6 * 3600, 6 * 3600];

/// Tries a delivery gets, the first included.
pub const MAX_ATTEMPTS: u32 = RETRY_DELAYS_SECONDS.len() as u32 + 1;

/// When a delivery that failed its `attempts`-th try is tried again, or
/// `None` when that was the last try.
pub fn next_try(attempts: u32, failed_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    RETRY_DELAYS_SECONDS.get(index).map(|seconds| failed_at + Duration::seconds(*seconds))
}

/// What a delivery tells of a ticket: its public facts only. Never the
/// holder's NIK, name, phone or email, nor the ticket's code (the holder's
/// proof on the ticket page): a receiver is another system, and what it is
/// not sent it cannot leak. The number and date name the ticket within the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFacts {
    pub number: String,
    /// The service's letter.
    pub service: String,
    pub service_name: String,
    pub service_date: String,
    /// The counter that calls or called it, where there is one.
    pub counter: Option<String>,
}

/// The body of a delivery as written with the ticket's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBody {
    pub occurred_at: DateTime<Utc>,
    /// The office's page address (`/kantor/{office}`).
    pub office: String,
    pub ticket: TicketFacts,
}

/// The body as sent: the event and the delivery's id (a receiver told twice,
/// after a lost answer, recognises it) before what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub event: String,
    pub delivery: i64,
    #[serde(flatten)]
    pub body: EventBody,
}

#[cfg(feature = "ssr")]
pub use signing::*;

#[cfg(feature = "ssr")]
mod signing {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::SIGNATURE_TOLERANCE_SECONDS;

    /// Why a signature is not accepted.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
    pub enum SignatureProblem {
        #[error("the header is not t=<seconds>,v1=<hex>")]
        Malformed,
        #[error("the time is outside the tolerance")]
        Stale,
        #[error("the signature does not match")]
        Mismatch,
    }

    fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `Antrean-Signature` value: `t=<unix seconds>,v1=<hex of
    /// HMAC-SHA256(secret, "<t>.<body>")>`, the secret taken as the text shown
    /// to the admin. The time inside the signed text is what stops a replay.
    pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
        let digest = mac(secret, timestamp, body).finalize().into_bytes();
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("t={timestamp},v1={hex}")
    }

    /// Checks a signature header as a receiver does: the MAC (compared in
    /// constant time) and a time within the tolerance of `now` (unix seconds).
    pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> Result<(), SignatureProblem> {
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
                Some(("v1", value)) => signatures.push(decode_hex(value).ok_or(SignatureProblem::Malformed)?),
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or(SignatureProblem::Malformed)?;
        if signatures.is_empty() {
            return Err(SignatureProblem::Malformed);
        }
        if now.abs_diff(timestamp) > SIGNATURE_TOLERANCE_SECONDS.unsigned_abs() {
            return Err(SignatureProblem::Stale);
        }
        let expected = mac(secret, timestamp, body);
        // Several v1 values may come while a secret is being replaced.
        if signatures.iter().any(|signature| expected.clone().verify_slice(signature).is_ok()) {
            Ok(())
        } else {
            Err(SignatureProblem::Mismatch)
        }
    }

    fn decode_hex(text: &str) -> Option<Vec<u8>> {
        if !text.len().is_multiple_of(2) {
            return None;
        }
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::{transition, TicketAction};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn each_ticket_move_that_a_receiver_acts_on_is_an_event() {
        use TicketAction as A;
        use TicketState as S;
        let event = |from, action| WebhookEvent::of_move(&transition(from, action).unwrap());
        assert_eq!(event(S::Waiting, A::Call), Some(WebhookEvent::TicketCalled));
        assert_eq!(event(S::Called, A::Recall), Some(WebhookEvent::TicketCalled));
        assert_eq!(event(S::Serving, A::Finish), Some(WebhookEvent::TicketFinished));
        assert_eq!(event(S::Called, A::MarkNoShow), Some(WebhookEvent::TicketNoShow));
        assert_eq!(event(S::Waiting, A::Cancel), Some(WebhookEvent::TicketCancelled));
        assert_eq!(event(S::Called, A::Cancel), Some(WebhookEvent::TicketCancelled));
        assert_eq!(event(S::Called, A::StartServing), None);
        assert_eq!(event(S::NoShow, A::Requeue), None);
        assert_eq!(event(S::Serving, A::Transfer), None);
    }

    #[test]
    fn event_names_read_back() {
        for event in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(event.as_str()), Some(event));
        }
        assert_eq!(WebhookEvent::parse("ticket.served"), None);
    }

    #[test]
    fn an_event_set_is_kept_between_commas_and_needs_one_event() {
        let set = EventSet::parse(["ticket.called", "ticket.issued"]).unwrap();
        assert_eq!(set.stored(), ",ticket.issued,ticket.called,");
        assert_eq!(EventSet::from_stored(&set.stored()), Some(set.clone()));
        assert!(set.contains(WebhookEvent::TicketCalled) && !set.contains(WebhookEvent::TicketFinished));
        assert_eq!(WebhookEvent::TicketCalled.stored_pattern(), "%,ticket.called,%");
        assert_eq!(EventSet::parse([]), Err(WebhookProblem::NoEvents));
        assert_eq!(EventSet::parse(["ticket.served"]), Err(WebhookProblem::UnknownEvent));
    }

    #[test]
    fn an_office_keeps_at_most_five_webhooks() {
        assert!(may_add(MAX_PER_OFFICE - 1).is_ok());
        assert_eq!(may_add(MAX_PER_OFFICE), Err(WebhookProblem::TooMany));
    }

    #[test]
    fn failed_deliveries_are_tried_again_later_and_later_for_about_a_day() {
        let failed = at("2026-11-23T02:00:00Z");
        assert_eq!(next_try(1, failed), Some(at("2026-11-23T02:00:30Z")));
        assert_eq!(next_try(2, failed), Some(at("2026-11-23T02:01:00Z")));
        assert_eq!(next_try(6, failed), Some(at("2026-11-23T03:00:00Z")));
        assert_eq!(next_try(7, failed), Some(at("2026-11-23T08:00:00Z")));
        assert_eq!(next_try(MAX_ATTEMPTS, failed), None, "the last try is the last");
        assert_eq!(next_try(0, failed), None);
        let waited: i64 = RETRY_DELAYS_SECONDS.iter().sum();
        assert!((22 * 3600..=26 * 3600).contains(&waited), "about a day: {waited} s");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_payload_names_no_citizen() {
        let payload = Payload {
            event: "ticket.called".into(),
            delivery: 7,
            body: EventBody {
                occurred_at: at("2026-11-23T02:00:00Z"),
                office: "kantah-denpasar".into(),
                ticket: TicketFacts {
                    number: "A-001".into(),
                    service: "A".into(),
                    service_name: "Pendaftaran Tanah".into(),
                    service_date: "2026-11-23".into(),
                    counter: Some("Loket 1".into()),
                },
            },
        };
        let json = serde_json::to_value(&payload).unwrap();
        assert_eq!(json["event"], "ticket.called");
        assert_eq!(json["delivery"], 7);
        assert_eq!(json["office"], "kantah-denpasar");
        assert_eq!(json["ticket"]["counter"], "Loket 1");
        // Exactly the ticket's public facts: no NIK, name, phone or email of its holder.
        let keys: Vec<&str> = json["ticket"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["counter", "number", "service", "service_date", "service_name"]);
        let top: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(top, ["delivery", "event", "occurred_at", "office", "ticket"]);
    }

    #[cfg(feature = "ssr")]
    mod signatures {
        use super::super::*;

        const SECRET: &str = "4f1c0c8a9d6e2b7f3a5c8e1d0b9f7a6c5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b";
        const BODY: &[u8] = br#"{"event":"ticket.called","delivery":1}"#;

        #[test]
        fn the_signature_is_hmac_sha256_of_time_dot_body_in_hex() {
            // Worked out independently: printf '%s' '1795399200.{"event":"ticket.called","delivery":1}'
            //   | openssl dgst -sha256 -hmac "$SECRET"
            assert_eq!(
                sign(SECRET, 1_795_399_200, BODY),
                "t=1795399200,v1=f8a636834cfcf09900ef19bc51a943800ff51b92c14f9feb7ef17d01e0f406d2"
            );
        }

        #[test]
        fn a_receiver_accepts_only_the_right_secret_the_same_body_and_a_fresh_time() {
            let now = 1_795_399_200;
            let header = sign(SECRET, now, BODY);
            assert_eq!(verify(SECRET, &header, BODY, now + 10), Ok(()));
            assert_eq!(verify("another secret", &header, BODY, now), Err(SignatureProblem::Mismatch));
            assert_eq!(
                verify(SECRET, &header, br#"{"event":"ticket.called","delivery":2}"#, now),
                Err(SignatureProblem::Mismatch)
            );
            let late = now + SIGNATURE_TOLERANCE_SECONDS + 1;
            assert_eq!(verify(SECRET, &header, BODY, late), Err(SignatureProblem::Stale));
            assert_eq!(verify(SECRET, "v1=00", BODY, now), Err(SignatureProblem::Malformed));
            assert_eq!(verify(SECRET, "t=1795399200,v1=zz", BODY, now), Err(SignatureProblem::Malformed));
            // A timestamp at the ends of the range is stale, not an overflow.
            let extreme = format!("t={},v1=00", i64::MIN);
            assert_eq!(verify(SECRET, &extreme, BODY, now), Err(SignatureProblem::Stale));
            assert_eq!(verify(SECRET, &format!("t={},v1=00", i64::MAX), BODY, i64::MIN), Err(SignatureProblem::Stale));
        }
    }
}
