//! The background sender of notices to ticket holders. Notices are written to
//! the database when the queue moves (`store::notifications`); this sender
//! delivers them by SMS and email, retries with back-off when a gateway fails,
//! and carries on after a restart with whatever was not sent yet.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::api::server::Clock;
use crate::domain::identity::PhoneNumber;
use crate::domain::notify::Channel;
use crate::mail::MailSender;
use crate::push::{PushError, PushSender};
use crate::sms::SmsGateway;
use crate::store::notifications::{self, Notice};
use crate::store::{push_subscriptions, Db};

/// How often the sender looks for notices due a retry when nothing wakes it.
const POLL: Duration = Duration::from_secs(5);
const BATCH: i64 = 50;

#[derive(Debug)]
pub struct Notifier {
    wake: Notify,
    sends_email: bool,
}

impl Notifier {
    /// Starts the sender; without a mailer, no email notices are written or sent.
    pub fn start(db: Db, clock: Clock, channels: Channels) -> Arc<Self> {
        let notifier = Arc::new(Self { wake: Notify::new(), sends_email: channels.mail.is_some() });
        let worker = Arc::downgrade(&notifier);
        tokio::spawn(async move {
            loop {
                let Some(notifier) = worker.upgrade() else { return };
                send_due(&db, clock, &channels).await;
                let _ = tokio::time::timeout(POLL, notifier.wake.notified()).await;
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
}

/// The ways notices leave the server.
#[derive(Debug)]
pub struct Channels {
    pub sms: Arc<dyn SmsGateway>,
    pub mail: Option<Arc<dyn MailSender>>,
    pub push: Arc<PushSender>,
}

/// Why a notice was not sent.
enum Failure {
    /// Worth another try later.
    Retry(String),
    /// It can never be sent.
    GiveUp(String),
}

async fn send_due(db: &Db, clock: Clock, channels: &Channels) {
    loop {
        let due = match notifications::due(db, clock.now(), BATCH).await {
            Ok(due) => due,
            Err(error) => return tracing::error!(%error, "could not read the notices to send"),
        };
        if due.is_empty() {
            return;
        }
        for notice in &due {
            let recorded = match deliver(db, notice, clock, channels).await {
                Ok(()) => notifications::mark_sent(db, notice.id, clock.now()).await,
                Err(Failure::Retry(error)) => {
                    tracing::warn!(id = notice.id, channel = notice.channel.as_str(), %error, "notice not sent");
                    notifications::mark_failed_try(db, notice, &error, clock.now()).await
                }
                Err(Failure::GiveUp(error)) => notifications::give_up(db, notice.id, &error, clock.now()).await,
            };
            if let Err(error) = recorded {
                return tracing::error!(%error, "could not record a notice's outcome");
            }
        }
    }
}

async fn deliver(db: &Db, notice: &Notice, clock: Clock, channels: &Channels) -> Result<(), Failure> {
    match notice.channel {
        Channel::Sms => {
            let phone = PhoneNumber::parse(&notice.recipient).map_err(|e| Failure::GiveUp(format!("{e:?}")))?;
            channels.sms.send(&phone, &notice.body, clock.now()).await.map_err(|e| Failure::Retry(e.to_string()))
        }
        Channel::Email => {
            let mail = channels.mail.as_deref().ok_or(Failure::GiveUp("no SMTP server is configured".into()))?;
            let subject = notice.subject.as_deref().unwrap_or("Antrean");
            mail.send(&notice.recipient, subject, &notice.body).await.map_err(|e| Failure::Retry(e.to_string()))
        }
        Channel::Push => {
            let gone = || Failure::GiveUp("the push subscription was removed".into());
            let id: i64 = notice.recipient.parse().map_err(|_| gone())?;
            let subscription = push_subscriptions::find(db, id).await.map_err(|e| Failure::Retry(e.to_string()))?;
            let subscription = subscription.ok_or_else(gone)?;
            match channels.push.send(&subscription, notice.body.as_bytes()).await {
                Ok(()) => Ok(()),
                Err(error @ (PushError::Gone(_) | PushError::BadSubscription(_))) => {
                    if let Err(store) = push_subscriptions::remove_gone(db, id).await {
                        tracing::error!(%store, "could not remove a dead push subscription");
                    }
                    Err(Failure::GiveUp(error.to_string()))
                }
                Err(error) => Err(Failure::Retry(error.to_string())),
            }
        }
    }
}
