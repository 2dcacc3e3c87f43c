//! The audit log: who changed what, when, and from where. Every change a
//! staff, admin or kiosk account makes (and every sign-in) is one entry,
//! written by the store in the same transaction as the change, so a change
//! without its entry (or an entry without its change) cannot be committed.
//! Entries are never edited; they leave only by the retention rule below.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::counter::CounterAction;

/// What happened. Counter actions keep the console's own names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    PasswordChanged,
    AccountCreated,
    PasswordReset,
    AccountDisabled,
    AccountEnabled,
    OfficeCreated,
    OfficeChanged,
    PriorityChanged,
    HoursChanged,
    HolidayAdded,
    HolidayRemoved,
    ServiceCreated,
    ServiceChanged,
    CounterCreated,
    CounterChanged,
    CounterRemoved,
    TicketBooked,
    WalkInIssued,
    TicketCancelled,
    NoticeRetried,
    RetentionChanged,
    EntriesRemoved,
    ApiKeyCreated,
    ApiKeyRevoked,
    WebhookAdded,
    WebhookRemoved,
    WebhookSecretRotated,
    Counter(CounterAction),
}

impl AuditAction {
    const PLAIN: [Self; 29] = [
        Self::SignIn,
        Self::SignInFailed,
        Self::PasswordChanged,
        Self::AccountCreated,
        Self::PasswordReset,
        Self::AccountDisabled,
        Self::AccountEnabled,
        Self::OfficeCreated,
        Self::OfficeChanged,
        Self::PriorityChanged,
        Self::HoursChanged,
        Self::HolidayAdded,
        Self::HolidayRemoved,
        Self::ServiceCreated,
        Self::ServiceChanged,
        Self::CounterCreated,
        Self::CounterChanged,
        Self::CounterRemoved,
        Self::TicketBooked,
        Self::WalkInIssued,
        Self::TicketCancelled,
        Self::NoticeRetried,
        Self::RetentionChanged,
        Self::EntriesRemoved,
        Self::ApiKeyCreated,
        Self::ApiKeyRevoked,
        Self::WebhookAdded,
        Self::WebhookRemoved,
        Self::WebhookSecretRotated,
    ];

    /// Every action, in the order the filter lists them.
    pub fn all() -> impl Iterator<Item = Self> {
        Self::PLAIN.into_iter().chain(CounterAction::ALL.into_iter().map(Self::Counter))
    }

    /// The stored name: `area.what`, so a filter on `counter.` finds every counter action.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "account.sign_in",
            Self::SignInFailed => "account.sign_in_failed",
            Self::PasswordChanged => "account.password_changed",
            Self::AccountCreated => "account.created",
            Self::PasswordReset => "account.password_reset",
            Self::AccountDisabled => "account.disabled",
            Self::AccountEnabled => "account.enabled",
            Self::OfficeCreated => "office.created",
            Self::OfficeChanged => "office.changed",
            Self::PriorityChanged => "office.priority",
            Self::HoursChanged => "office.hours",
            Self::HolidayAdded => "holiday.added",
            Self::HolidayRemoved => "holiday.removed",
            Self::ServiceCreated => "service.created",
            Self::ServiceChanged => "service.changed",
            Self::CounterCreated => "counter.created",
            Self::CounterChanged => "counter.changed",
            Self::CounterRemoved => "counter.removed",
            Self::TicketBooked => "ticket.booked",
            Self::WalkInIssued => "ticket.walk_in",
            Self::TicketCancelled => "ticket.cancelled",
            Self::NoticeRetried => "notice.retried",
            Self::RetentionChanged => "audit.retention",
            Self::EntriesRemoved => "audit.removed",
            Self::ApiKeyCreated => "api_key.created",
            Self::ApiKeyRevoked => "api_key.revoked",
            Self::WebhookAdded => "webhook.added",
            Self::WebhookRemoved => "webhook.removed",
            Self::WebhookSecretRotated => "webhook.secret_rotated",
            Self::Counter(action) => match action {
                CounterAction::Open => "counter.open",
                CounterAction::Pause => "counter.pause",
                CounterAction::Close => "counter.close",
                CounterAction::CallNext => "counter.call_next",
                CounterAction::Recall => "counter.recall",
                CounterAction::StartServing => "counter.serve",
                CounterAction::Finish => "counter.finish",
                CounterAction::MarkNoShow => "counter.no_show",
                CounterAction::Requeue => "counter.requeue",
                CounterAction::Transfer => "counter.transfer",
            },
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::all().find(|action| action.as_str() == value)
    }
}

/// Who makes a change, when, and from which address (as the per-address
/// limits count it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: i64,
    pub address: String,
    pub at: DateTime<Utc>,
}

/// Named values of an object: a row's columns, or a few facts of an action.
pub type Fields = BTreeMap<String, String>;

/// Only the fields whose value differs, before and after: what an admin
/// reads is the change, not the whole row. A field only one side has counts
/// as changed.
pub fn changes(before: &Fields, after: &Fields) -> (Fields, Fields) {
    let keep = |fields: &Fields| -> Fields {
        fields
            .iter()
            .filter(|(name, _)| before.get(*name) != after.get(*name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    };
    (keep(before), keep(after))
}

/// One entry, as the store writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub office_id: Option<i64>,
    /// `None` for the system's own jobs and for a failed sign-in of an unknown name.
    pub account_id: Option<i64>,
    /// The username written down when there is no account to name (a failed sign-in).
    pub typed_name: Option<String>,
    /// Empty for the system's own jobs.
    pub address: String,
    pub action: AuditAction,
    /// What was changed, in words an admin recognises: "Loket 2", "layanan B", "A-012".
    pub object: String,
    pub before: Fields,
    pub after: Fields,
}

/// The longest a typed username is kept: enough for any real one, and a
/// password pasted into the name field is not kept whole.
pub const TYPED_NAME_MAX: usize = 64;

impl AuditEntry {
    pub fn new(actor: &Actor, office_id: Option<i64>, action: AuditAction, object: impl Into<String>) -> Self {
        Self {
            at: actor.at,
            office_id,
            account_id: Some(actor.account_id),
            typed_name: None,
            address: actor.address.clone(),
            action,
            object: object.into(),
            before: Fields::new(),
            after: Fields::new(),
        }
    }

    /// An entry the system itself writes (the retention job, the first admin).
    pub fn by_system(
        at: DateTime<Utc>,
        office_id: Option<i64>,
        action: AuditAction,
        object: impl Into<String>,
    ) -> Self {
        Self {
            at,
            office_id,
            account_id: None,
            typed_name: None,
            address: String::new(),
            action,
            object: object.into(),
            before: Fields::new(),
            after: Fields::new(),
        }
    }

    /// A sign-in from `address` with the name typed: `account` is the
    /// account and its office when the name is one.
    pub fn sign_in(
        at: DateTime<Utc>,
        address: &str,
        typed: &str,
        account: Option<(i64, Option<i64>)>,
        succeeded: bool,
    ) -> Self {
        Self {
            at,
            office_id: account.and_then(|(_, office)| office),
            account_id: account.map(|(id, _)| id),
            typed_name: Some(typed.chars().take(TYPED_NAME_MAX).collect()),
            address: address.to_string(),
            action: if succeeded { AuditAction::SignIn } else { AuditAction::SignInFailed },
            object: typed.chars().take(TYPED_NAME_MAX).collect(),
            before: Fields::new(),
            after: Fields::new(),
        }
    }

    /// The change from `before` to `after`, keeping only the fields that differ.
    pub fn with_change(mut self, before: &Fields, after: &Fields) -> Self {
        (self.before, self.after) = changes(before, after);
        self
    }

    pub fn with_after(mut self, after: Fields) -> Self {
        self.after = after;
        self
    }
}

/// How long entries are kept: from a month (an inspection needs at least
/// that) to ten years; two years unless a global admin sets otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    days: u32,
}

impl Retention {
    pub const MIN_DAYS: u32 = 30;
    pub const MAX_DAYS: u32 = 3650;
    pub const DEFAULT: Self = Self { days: 730 };

    pub fn new(days: u32) -> Option<Self> {
        (Self::MIN_DAYS..=Self::MAX_DAYS).contains(&days).then_some(Self { days })
    }

    pub fn days(self) -> u32 {
        self.days
    }

    /// Entries written before this instant are removed.
    pub fn cutoff(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(self.days.into())
    }
}

/// Entries on one page of the admin's list.
pub const PAGE_SIZE: u32 = 50;
/// The most entries one CSV download holds; a longer period is downloaded in parts.
pub const CSV_MAX_ROWS: u32 = 100_000;

/// The object words an admin typed to filter by, trimmed and at most 64
/// characters; `None` when nothing was typed.
pub fn object_words(value: &str) -> Option<String> {
    let value: String = value.trim().chars().take(64).collect();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn only_changed_fields_are_kept() {
        let before = fields(&[("name", "Loket 1"), ("quota", "200"), ("gone", "x")]);
        let after = fields(&[("name", "Loket 1"), ("quota", "150"), ("new", "y")]);
        let (b, a) = changes(&before, &after);
        assert_eq!(b, fields(&[("quota", "200"), ("gone", "x")]));
        assert_eq!(a, fields(&[("quota", "150"), ("new", "y")]));
    }

    #[test]
    fn every_action_has_its_own_name_and_reads_back() {
        let names: std::collections::HashSet<_> = AuditAction::all().map(AuditAction::as_str).collect();
        assert_eq!(names.len(), AuditAction::all().count());
        for action in AuditAction::all() {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("counter.delete"), None);
    }

    #[test]
    fn retention_is_bounded_and_cuts_by_days() {
        assert_eq!(Retention::new(29), None);
        assert_eq!(Retention::new(3651), None);
        let now = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").unwrap().with_timezone(&Utc);
        let kept = Retention::new(30).unwrap();
        assert_eq!(kept.cutoff(now).to_rfc3339(), "2026-11-03T10:00:00+00:00");
        assert_eq!(Retention::DEFAULT.days(), 730);
    }

    #[test]
    fn object_words_are_trimmed_and_capped() {
        assert_eq!(object_words("  "), None);
        assert_eq!(object_words(" Loket 2 "), Some("Loket 2".into()));
        assert_eq!(object_words(&"x".repeat(100)).map(|w| w.len()), Some(64));
    }
}
