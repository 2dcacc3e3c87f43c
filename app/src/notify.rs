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
use crate::sms::SmsGateway;
use crate::store::notifications::{self, Notice};
use crate::store::Db;

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
    pub fn start(db: Db, clock: Clock, sms: Arc<dyn SmsGateway>, mail: Option<Arc<dyn MailSender>>) -> Arc<Self> {
        let notifier = Arc::new(Self { wake: Notify::new(), sends_email: mail.is_some() });
        let worker = Arc::downgrade(&notifier);
        tokio::spawn(async move {
            loop {
                let Some(notifier) = worker.upgrade() else { return };
                send_due(&db, clock, sms.as_ref(), mail.as_deref()).await;
                let _ = tokio::time::timeout(POLL, notifier.wake.notified()).await;
            }
        });
        notifier
    }

    /// New notices were written: send them now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn sends_email(&self) -> bool {
        self.sends_email
    }
}

async fn send_due(db: &Db, clock: Clock, sms: &dyn SmsGateway, mail: Option<&dyn MailSender>) {
    loop {
        let due = match notifications::due(db, clock.now(), BATCH).await {
            Ok(due) => due,
            Err(error) => return tracing::error!(%error, "could not read the notices to send"),
        };
        if due.is_empty() {
            return;
        }
        for notice in &due {
            let outcome = deliver(notice, clock, sms, mail).await;
            let recorded = match &outcome {
                Ok(()) => notifications::mark_sent(db, notice.id, clock.now()).await,
                Err(error) => {
                    tracing::warn!(id = notice.id, channel = notice.channel.as_str(), %error, "notice not sent");
                    notifications::mark_failed_try(db, notice, error, clock.now()).await
                }
            };
            if let Err(error) = recorded {
                return tracing::error!(%error, "could not record a notice's outcome");
            }
        }
    }
}

async fn deliver(
    notice: &Notice,
    clock: Clock,
    sms: &dyn SmsGateway,
    mail: Option<&dyn MailSender>,
) -> Result<(), String> {
    match notice.channel {
        Channel::Sms => {
            let phone = PhoneNumber::parse(&notice.recipient).map_err(|e| format!("{e:?}"))?;
            sms.send(&phone, &notice.body, clock.now()).await.map_err(|e| e.to_string())
        }
        Channel::Email => {
            let mail = mail.ok_or("no SMTP server is configured")?;
            let subject = notice.subject.as_deref().unwrap_or("Antrean");
            mail.send(&notice.recipient, subject, &notice.body).await.map_err(|e| e.to_string())
        }
    }
}
