//! Sending email over SMTP (lettre). The server names the relay with a URL, as
//! lettre reads it: `smtp://host:25` (plain, for a local relay),
//! `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://user:pass@host`.

use std::future::Future;
use std::pin::Pin;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum MailError {
    #[error("the mail settings are not usable: {0}")]
    Settings(String),
    #[error("bad recipient address: {0}")]
    Recipient(String),
    #[error("the SMTP server did not take the message: {0}")]
    Smtp(String),
}

pub type MailFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

pub trait MailSender: Send + Sync + std::fmt::Debug {
    /// `message_id` (`<…@…>`) names the message, so a repeat is recognisable.
    fn send<'a>(&'a self, to: &'a str, subject: &'a str, body: &'a str, message_id: &'a str) -> MailFuture<'a>;
}

#[derive(Debug)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Settings(format!("SMTP URL: {e}")))?
            .build();
        let from = from.parse().map_err(|e| MailError::Settings(format!("sender {from:?}: {e}")))?;
        Ok(Self { transport, from })
    }
}

impl MailSender for SmtpMailer {
    fn send<'a>(&'a self, to: &'a str, subject: &'a str, body: &'a str, message_id: &'a str) -> MailFuture<'a> {
        Box::pin(async move {
            let to: Mailbox = to.parse().map_err(|e| MailError::Recipient(format!("{to}: {e}")))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .message_id(Some(message_id.to_string()))
                .header(ContentType::TEXT_PLAIN)
                .body(body.to_string())
                .map_err(|e| MailError::Recipient(e.to_string()))?;
            self.transport.send(message).await.map(|_| ()).map_err(|e| MailError::Smtp(e.to_string()))
        })
    }
}
