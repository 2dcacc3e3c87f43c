//! Sending SMS. The `SmsGateway` trait has two real implementations: an HTTP
//! gateway configured for an Indonesian SMS provider, and a development gateway
//! that keeps messages in the database (shown at `/dev/outbox` in development mode).

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::domain::identity::PhoneNumber;
use crate::store::{Db, StoreError};

#[derive(Debug, Error)]
pub enum SmsError {
    #[error("SMS gateway refused the message: {0}")]
    Rejected(String),
    #[error("SMS gateway unreachable: {0}")]
    Unreachable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type SmsFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

pub trait SmsGateway: Send + Sync + std::fmt::Debug {
    fn send<'a>(&'a self, to: &'a PhoneNumber, text: &'a str, now: DateTime<Utc>) -> SmsFuture<'a>;
}

/// Keeps every message in the `sms_outbox` table instead of sending it.
#[derive(Debug, Clone)]
pub struct DevGateway {
    db: Db,
}

impl DevGateway {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

impl SmsGateway for DevGateway {
    fn send<'a>(&'a self, to: &'a PhoneNumber, text: &'a str, now: DateTime<Utc>) -> SmsFuture<'a> {
        Box::pin(async move {
            crate::store::outbox::record(&self.db, to, text, now).await?;
            Ok(())
        })
    }
}
