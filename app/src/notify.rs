//! The background sender of notices to ticket holders. Notices are written to
//! the database when the queue moves (`store::notifications`); this sender
//! delivers them by SMS and email, retries with back-off when a gateway fails,
//! and carries on after a restart with whatever was not sent yet.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Notify, Semaphore};

mod breaker;

use crate::clock::Clock;
use crate::domain::identity::PhoneNumber;
use crate::domain::notify::Channel;
use crate::mail::MailSender;
use crate::push::{PushError, PushSender, Urgency};
use crate::sms::SmsGateway;
use crate::store::notifications::{self, Notice};
use crate::store::{push_subscriptions, Db};

/// How often the sender looks for notices due a retry when nothing wakes it.
const POLL: Duration = Duration::from_secs(5);
/// The longest one delivery may take, however a gateway behaves; its claim is
/// extended meanwhile (`keep_claims`).
pub const SEND_LIMIT: Duration = Duration::from_secs(50);

/// Notices sent at once per channel. A slow or silent destination holds only
/// the slots of its own notices; every other notice goes out meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    pub sms: usize,
    pub email: usize,
    pub push: usize,
}

impl Default for InFlight {
    fn default() -> Self {
        Self { sms: 32, email: 16, push: 64 }
    }
}

#[derive(Debug)]
pub struct Notifier {
    wake: Arc<Notify>,
    sends_email: bool,
    counts: Arc<Counts>,
    /// When the sender last went round its loop (it does every `POLL` at least).
    last_round: Arc<Mutex<Instant>>,
}

/// What this instance's sender did since it started, per channel (SMS,
/// email, push): the outbox page and, later, the metrics read it.
#[derive(Debug, Default)]
pub struct Counts {
    sent: [AtomicU64; 3],
    failed_tries: [AtomicU64; 3],
}

/// Sent and failed tries of one channel since the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelCounts {
    pub sent: u64,
    pub failed_tries: u64,
}

impl Counts {
    fn index(channel: Channel) -> usize {
        match channel {
            Channel::Sms => 0,
            Channel::Email => 1,
            Channel::Push => 2,
        }
    }

    fn count(&self, channel: Channel, sent: bool) {
        let counters = if sent { &self.sent } else { &self.failed_tries };
        counters[Self::index(channel)].fetch_add(1, Ordering::Relaxed);
    }

    pub fn of(&self, channel: Channel) -> ChannelCounts {
        let i = Self::index(channel);
        ChannelCounts {
            sent: self.sent[i].load(Ordering::Relaxed),
            failed_tries: self.failed_tries[i].load(Ordering::Relaxed),
        }
    }
}

impl Notifier {
    /// Starts the sender; without a mailer, no email notices are written or sent.
    pub fn start(db: Db, clock: Clock, channels: Channels, in_flight: InFlight, reminders: Reminders) -> Arc<Self> {
        let wake = Arc::new(Notify::new());
        let counts = Arc::new(Counts::default());
        let last_round = Arc::new(Mutex::new(Instant::now()));
        let notifier = Arc::new(Self {
            wake: wake.clone(),
            sends_email: channels.mail.is_some(),
            counts: counts.clone(),
            last_round: last_round.clone(),
        });
        let sender = Arc::new(Sender {
            db,
            clock,
            in_flight: Mutex::default(),
            channels,
            breakers: Mutex::default(),
            wake,
            counts,
        });
        tokio::spawn(keep_claims(Arc::downgrade(&sender)));
        let mut last_reminder_round: Option<Instant> = None;
        let slots = [
            (Channel::Sms, Arc::new(Semaphore::new(in_flight.sms.max(1)))),
            (Channel::Email, Arc::new(Semaphore::new(in_flight.email.max(1)))),
            (Channel::Push, Arc::new(Semaphore::new(in_flight.push.max(1)))),
        ];
        let alive = Arc::downgrade(&notifier);
        tokio::spawn(async move {
            match notifications::release_claims_of_a_dead_sender(&sender.db, Utc::now()).await {
                Ok(0) => {}
                Ok(released) => tracing::info!(released, "notices claimed before a restart are due again"),
                Err(error) => tracing::error!(%error, "could not release the notices of a dead sender"),
            }
            while alive.strong_count() > 0 {
                *last_round.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
                if last_reminder_round.is_none_or(|at| at.elapsed() >= REMINDER_ROUNDS) {
                    last_reminder_round = Some(Instant::now());
                    sender.write_reminders(&reminders).await;
                }
                for (channel, slots) in &slots {
                    sender.dispatch(*channel, slots).await;
                }
                let _ = tokio::time::timeout(POLL, sender.wake.notified()).await;
            }
        });
        notifier
    }

    /// Wakes the sender when notices were written. The ticket or call they are
    /// about stands even if writing them failed; the failure is logged.
    pub fn after_writing(&self, written: crate::store::StoreResult<u64>, about: &str) {
        match written {
            Ok(0) => {}
            Ok(_) => self.wake(),
            Err(error) => tracing::error!(%error, about, "could not write notices"),
        }
    }

    /// New notices were written: send them now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn sends_email(&self) -> bool {
        self.sends_email
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Whether the sender is going round its loop (`/readyz`): a round can
    /// wait for the database, but not for a whole minute.
    pub fn is_running(&self) -> bool {
        self.last_round.lock().unwrap_or_else(PoisonError::into_inner).elapsed() < Duration::from_secs(60)
    }
}

/// How often the sender looks for evening reminders that are due.
const REMINDER_ROUNDS: Duration = POLL;

/// What the evening reminders need: the site's address for their links, and
/// the key their cancel links are signed with.
#[derive(Debug, Clone)]
pub struct Reminders {
    pub origin: String,
    pub link_key: Vec<u8>,
}

/// The ways notices leave the server.
#[derive(Debug)]
pub struct Channels {
    pub sms: Arc<dyn SmsGateway>,
    pub mail: Option<Arc<dyn MailSender>>,
    pub push: Arc<PushSender>,
    /// The site's host, the right-hand side of each email's `Message-ID`.
    pub message_domain: String,
}

/// Why a notice was not sent.
enum Failure {
    /// Worth another try later.
    Retry(String),
    /// It can never be sent.
    GiveUp(String),
}

/// The sender's own times (claims, leases, retries) are real seconds, whatever
/// the business clock says (`Clock`, which may be pinned for a demo or a
/// test): a lease must run out when the instance that took it is dead.
struct Sender {
    db: Db,
    /// The business clock: which day's reminders are due.
    clock: Clock,
    /// Notices being sent now, whose claims the sender keeps extending.
    in_flight: Mutex<HashSet<i64>>,
    channels: Channels,
    breakers: Mutex<breaker::Breakers>,
    wake: Arc<Notify>,
    counts: Arc<Counts>,
}

impl Sender {
    async fn write_reminders(&self, reminders: &Reminders) {
        let email = self.channels.mail.is_some();
        let now = self.clock.now();
        match notifications::write_reminders(&self.db, &reminders.link_key, &reminders.origin, email, now).await {
            Ok(0) => {}
            Ok(written) => tracing::info!(written, "evening reminders written"),
            Err(error) => tracing::error!(%error, "could not write the evening reminders"),
        }
    }

    /// Claims as many due notices of `channel` as it has free slots, and sends
    /// each in a task of its own that frees its slot when done.
    async fn dispatch(self: &Arc<Self>, channel: Channel, slots: &Arc<Semaphore>) {
        loop {
            let free = slots.available_permits();
            if free == 0 {
                return;
            }
            let limit = i64::try_from(free).unwrap_or(i64::MAX);
            let claimed = match notifications::claim(&self.db, channel, Utc::now(), limit).await {
                Ok(claimed) => claimed,
                Err(error) => return tracing::error!(%error, "could not claim the notices to send"),
            };
            let all_due_taken = claimed.len() < free;
            self.in_flight().extend(claimed.iter().map(|notice| notice.id));
            for notice in claimed {
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    // Only this loop takes slots, and it counted them: unreachable,
                    // but the claim then simply runs out and the notice goes later.
                    return;
                };
                let sender = self.clone();
                tokio::spawn(async move {
                    sender.send_one(&notice).await;
                    drop(slot);
                    sender.wake.notify_one();
                });
            }
            if all_due_taken {
                return;
            }
        }
    }

    async fn send_one(&self, notice: &Notice) {
        let db = &self.db;
        // No longer in flight: the claim's lease is not extended past the outcome.
        self.in_flight().remove(&notice.id);
        let now = Utc::now();
        let attempt = self.attempt(notice).await;
        match &attempt {
            Attempt::Sent => self.counts.count(notice.channel, true),
            Attempt::Failed(Failure::Retry(_)) => self.counts.count(notice.channel, false),
            Attempt::Failed(Failure::GiveUp(_)) | Attempt::Paused(_) => {}
        }
        let recorded = match attempt {
            Attempt::Sent => notifications::mark_sent(db, notice.id, now).await,
            Attempt::Failed(Failure::Retry(error)) => {
                tracing::warn!(id = notice.id, channel = notice.channel.as_str(), %error, "notice not sent");
                notifications::mark_failed_try(db, notice, &error, now).await
            }
            Attempt::Failed(Failure::GiveUp(error)) => notifications::give_up(db, notice.id, &error, now).await,
            Attempt::Paused(wait) => {
                let until = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                notifications::postpone(db, notice.id, until).await
            }
        };
        if let Err(error) = recorded {
            tracing::error!(%error, id = notice.id, "could not record a notice's outcome");
        }
    }

    async fn attempt(&self, notice: &Notice) -> Attempt {
        match notifications::still_current(&self.db, notice).await {
            Ok(true) => {}
            Ok(false) => return Attempt::Failed(Failure::GiveUp("no longer current: not sent late".into())),
            Err(error) => return Attempt::Failed(Failure::Retry(error.to_string())),
        }
        let destination = match self.destination(notice).await {
            Ok(destination) => destination,
            Err(failure) => return Attempt::Failed(failure),
        };
        let host = destination.host();
        let started = Instant::now();
        if let Some(until) = self.breakers().paused_until(&host, started) {
            return Attempt::Paused(until - started);
        }
        let sent = tokio::time::timeout(SEND_LIMIT, self.deliver(notice, &destination)).await;
        let outcome = sent.unwrap_or_else(|_| Err(Failure::Retry(format!("no answer within {SEND_LIMIT:?}"))));
        match outcome {
            Ok(()) => {
                self.breakers().succeeded(&host);
                Attempt::Sent
            }
            Err(Failure::Retry(error)) => {
                self.breakers().failed(&host, Instant::now(), rand::random());
                Attempt::Failed(Failure::Retry(error))
            }
            Err(give_up) => Attempt::Failed(give_up),
        }
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn breakers(&self) -> std::sync::MutexGuard<'_, breaker::Breakers> {
        self.breakers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where the notice goes: for push, the subscription it names.
    async fn destination(&self, notice: &Notice) -> Result<Destination, Failure> {
        match notice.channel {
            Channel::Sms => {
                let phone = PhoneNumber::parse(&notice.recipient).map_err(|e| Failure::GiveUp(format!("{e:?}")))?;
                Ok(Destination::Sms(phone))
            }
            Channel::Email => Ok(Destination::Email),
            Channel::Push => {
                let gone = || Failure::GiveUp("the push subscription was removed".into());
                let id: i64 = notice.recipient.parse().map_err(|_| gone())?;
                let subscription =
                    push_subscriptions::find(&self.db, id).await.map_err(|e| Failure::Retry(e.to_string()))?;
                Ok(Destination::Push(subscription.ok_or_else(gone)?))
            }
        }
    }

    async fn deliver(&self, notice: &Notice, destination: &Destination) -> Result<(), Failure> {
        let channels = &self.channels;
        match destination {
            Destination::Sms(phone) => {
                let reference = format!("antrean-{}", notice.id);
                let sent = channels.sms.send(phone, &notice.body, &reference, Utc::now()).await;
                sent.map_err(|e| Failure::Retry(e.to_string()))
            }
            Destination::Email => {
                let mail = channels.mail.as_deref().ok_or(Failure::GiveUp("no SMTP server is configured".into()))?;
                let subject = notice.subject.as_deref().unwrap_or("Antrean");
                let message_id = format!("<notice-{}@{}>", notice.id, channels.message_domain);
                mail.send(&notice.recipient, subject, &notice.body, &message_id)
                    .await
                    .map_err(|e| Failure::Retry(e.to_string()))
            }
            Destination::Push(subscription) => {
                let urgency = if notice.moment == "called" { Urgency::High } else { Urgency::Normal };
                let topic = format!("antrean-{}", notice.id);
                match channels.push.send(subscription, notice.body.as_bytes(), urgency, &topic).await {
                    Ok(()) => Ok(()),
                    Err(error @ (PushError::Gone(_) | PushError::BadSubscription(_) | PushError::NotAllowed(_))) => {
                        if let Err(store) = push_subscriptions::remove_gone(&self.db, subscription.id).await {
                            tracing::error!(%store, "could not remove a dead push subscription");
                        }
                        Err(Failure::GiveUp(error.to_string()))
                    }
                    // Not counted against the push service (see `PushError::Rejected`).
                    Err(error @ PushError::Rejected(_)) => Err(Failure::GiveUp(error.to_string())),
                    Err(error) => Err(Failure::Retry(error.to_string())),
                }
            }
        }
    }
}

/// Extends the claims of the notices in flight a third of a lease at a time,
/// so a claim outlives every send however long it takes, and the notices of
/// an instance that died are free again within one lease.
async fn keep_claims(sender: std::sync::Weak<Sender>) {
    let every = Duration::from_secs(u64::try_from(notifications::CLAIM_LEASE_SECONDS / 3).unwrap_or(5));
    loop {
        tokio::time::sleep(every).await;
        let Some(sender) = sender.upgrade() else { return };
        let ids: Vec<i64> = sender.in_flight().iter().copied().collect();
        if let Err(error) = notifications::extend_claims(&sender.db, &ids, Utc::now()).await {
            tracing::error!(%error, "could not extend the claims of the notices being sent");
        }
    }
}

enum Attempt {
    Sent,
    Failed(Failure),
    /// Its destination is paused for this long.
    Paused(Duration),
}

enum Destination {
    Sms(PhoneNumber),
    Email,
    Push(push_subscriptions::Subscription),
}

impl Destination {
    /// The host a circuit breaker watches: the one gateway or relay of a
    /// channel, or the push service of a subscription.
    fn host(&self) -> String {
        match self {
            Self::Sms(_) => "sms".into(),
            Self::Email => "email".into(),
            Self::Push(subscription) => {
                let host = url::Url::parse(&subscription.endpoint).ok().and_then(|u| u.host_str().map(str::to_string));
                format!("push:{}", host.unwrap_or_default())
            }
        }
    }
}
