//! The error every server function returns. It travels to the browser as JSON
//! and is turned into a sentence in the user's language by `i18n`, so the
//! server never decides the wording.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::access::AccountProblem;
use crate::domain::booking::BookingRefusal;
use crate::domain::identity::IdentityError;
use crate::domain::settings::SettingsProblem;

/// A form field that can carry an inline error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Service,
    Date,
    Nik,
    Name,
    Email,
    Phone,
    Code,
    Reason,
    Username,
    FullName,
    Password,
    CurrentPassword,
    NewPassword,
    Office,
    // The office settings forms.
    Slug,
    Address,
    Zone,
    /// Opening hours of a weekday, Monday = 0.
    Weekday(u8),
    Prefix,
    NameId,
    NameEn,
    Quota,
    Horizon,
    Services,
    MaxCalls,
    RequeueAfter,
    PhoneOfficeDayCap,
    PhoneUpcomingCap,
    ReleaseDelay,
    ReminderHour,
    BoardAnnouncement,
    Channels,
    WalkInReserve,
    PriorityMode,
    OrdinaryMaxWait,
    Priority,
    Rating,
    Comment,
    RetentionDays,
    /// Who uses an API key.
    Label,
    // The webhook form.
    WebhookUrl,
    WebhookEvents,
    /// What a counter's console asks of it (call, finish, …).
    Action,
}

impl Field {
    /// The `name` attribute of the input, matching the server function's argument.
    pub fn input_name(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Date => "date",
            Self::Nik => "nik",
            Self::Name => "name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Code => "code",
            Self::Reason => "reason",
            Self::Username => "username",
            Self::FullName => "full_name",
            Self::Password => "password",
            Self::CurrentPassword => "current_password",
            Self::NewPassword => "new_password",
            Self::Office => "office",
            Self::Slug => "slug",
            Self::Address => "address",
            Self::Zone => "zone",
            Self::Weekday(_) => "hours",
            Self::Prefix => "prefix",
            Self::NameId => "name_id",
            Self::NameEn => "name_en",
            Self::Quota => "daily_quota",
            Self::Horizon => "horizon_days",
            Self::Services => "services",
            Self::MaxCalls => "max_calls",
            Self::RequeueAfter => "requeue_after",
            Self::PhoneOfficeDayCap => "phone_office_day_cap",
            Self::PhoneUpcomingCap => "phone_upcoming_cap",
            Self::ReleaseDelay => "release_delay",
            Self::ReminderHour => "reminder_hour",
            Self::BoardAnnouncement => "board_announcement",
            Self::Channels => "channels",
            Self::WalkInReserve => "walk_in_reserve",
            Self::PriorityMode => "mode",
            Self::OrdinaryMaxWait => "max_wait",
            Self::Priority => "priority",
            Self::Rating => "rating",
            Self::Comment => "comment",
            Self::RetentionDays => "days",
            Self::Label => "label",
            Self::WebhookUrl => "url",
            Self::WebhookEvents => "events",
            Self::Action => "action",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldProblem {
    Identity(IdentityError),
    Account(AccountProblem),
    Missing,
    BadDate,
    UnknownService,
    UnknownPriority,
    /// A value of an office's settings.
    Settings(SettingsProblem),
    /// A webhook's address or events (see `domain::webhook`).
    Webhook(crate::domain::webhook::WebhookProblem),
    /// A report's period (see `domain::report`).
    Period(crate::domain::report::PeriodProblem),
    /// A value none of the form's choices has (only a hand-made request sends one).
    NotAChoice,
    /// A number outside `min..=max`.
    OutOfRange {
        min: i64,
        max: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub problem: FieldProblem,
}

#[derive(Debug, Clone, PartialEq, Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("booking refused: {0:?}")]
    Refused(BookingRefusal),
    #[error("not found")]
    NotFound,
    #[error("sign-in required")]
    NotSignedIn,
    #[error("forbidden")]
    Forbidden,
    #[error("wrong code, {tries_left} tries left")]
    CodeWrong { tries_left: u32 },
    /// Expired, used, or killed by wrong tries: a new code is needed.
    #[error("code no longer valid")]
    CodeDead,
    #[error("wait {0} s before a new code")]
    CodeWait(i64),
    #[error("code limit reached, retry in {0} min")]
    CodeTooMany(i64),
    #[error("the SMS could not be sent")]
    SmsFailed,
    #[error("wrong username or password")]
    StaffSignInWrong,
    #[error("account locked for {0} min")]
    StaffLocked(i64),
    /// Every password check is busy (a flood of sign-ins): try again shortly.
    #[error("sign-in busy")]
    SignInBusy,
    /// The request met too many changes made at the same moment (an office's
    /// settings changed again and again while a booking was worked out):
    /// nothing was done; try again.
    #[error("busy")]
    Busy,
    /// The site sent more codes than its budget this hour: the request must
    /// carry the answer to this puzzle (the browser solves it by itself).
    #[error("proof of work needed")]
    ProofOfWorkNeeded(crate::domain::proof_of_work::Challenge),
    /// The account's password was made by the server and must be changed first.
    #[error("password change needed")]
    PasswordChangeNeeded,
    #[error("account: {0:?}")]
    Account(AccountProblem),
    #[error("counter: {0}")]
    Counter(crate::domain::counter::CounterRefusal),
    /// The browser's push service is not one the server may post to
    /// (see `domain::outbound`).
    #[error("push service not accepted")]
    PushServiceRefused,
    /// The ticket has moved on (called, served, cancelled): it cannot be cancelled.
    #[error("ticket cannot be cancelled")]
    NotCancellable,
    /// A kiosk printed its most numbers for a minute (`booking::KIOSK_TICKETS_PER_MINUTE`).
    #[error("kiosk printing too fast")]
    KioskTooFast,
    /// A reminder's cancel link whose ticket date is over.
    #[error("cancel link expired")]
    CancelLinkExpired,
    /// The ticket was rated already, is not finished, or was finished too long ago.
    #[error("feedback closed")]
    FeedbackClosed,
    /// An `/api/v1/` request without a key, or with one that is unknown or revoked.
    #[error("API key missing or not valid")]
    ApiKeyInvalid,
    /// An API key made more requests this minute than it may; seconds to wait.
    #[error("API rate limit, retry in {0} s")]
    ApiRateLimited(i64),
    /// Something broke on the server; details are in its log, not in the answer.
    #[error("internal error")]
    Internal,
    /// The request never reached the function, or its answer never came back.
    #[error("transport: {0}")]
    Transport(String),
    /// A request the site's own forms never send: a field missing or not
    /// readable. What exactly stays in the server's log.
    #[error("malformed request")]
    Malformed,
    /// A request body larger than any form of the site sends.
    #[error("request too large")]
    TooLarge,
}

/// How soon a sign-in refused as busy may be tried again.
pub const SIGN_IN_BUSY_RETRY_SECONDS: i64 = 5;

impl AppError {
    pub fn field(field: Field, problem: FieldProblem) -> Self {
        Self::Invalid(vec![FieldError { field, problem }])
    }

    /// A refused value of an office's settings.
    pub fn settings(field: Field, problem: SettingsProblem) -> Self {
        Self::field(field, FieldProblem::Settings(problem))
    }

    /// A short, stable name of the kind of error, for pages (`data-error`) and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid",
            Self::Refused(_) => "refused",
            Self::NotFound => "not-found",
            Self::NotSignedIn => "not-signed-in",
            Self::Forbidden => "forbidden",
            Self::CodeWrong { .. } | Self::CodeDead => "code",
            Self::CodeWait(_)
            | Self::CodeTooMany(_)
            | Self::ProofOfWorkNeeded(_)
            | Self::ApiRateLimited(_)
            | Self::KioskTooFast => "rate-limited",
            Self::ApiKeyInvalid => "api-key",
            Self::SmsFailed => "sms-failed",
            Self::StaffSignInWrong | Self::StaffLocked(_) | Self::SignInBusy => "sign-in",
            Self::PasswordChangeNeeded => "password-change",
            Self::Account(_) => "account",
            Self::Counter(_) => "counter",
            Self::PushServiceRefused => "push",
            Self::CancelLinkExpired => "link-expired",
            Self::NotCancellable | Self::FeedbackClosed => "refused",
            Self::Busy => "busy",
            Self::Internal => "internal",
            Self::Transport(_) => "transport",
            Self::Malformed => "malformed",
            Self::TooLarge => "too-large",
        }
    }

    /// The HTTP status the error is answered with: 4xx for what the caller can
    /// change (or wait out), 5xx only for our own faults.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) | Self::CodeWrong { .. } | Self::PushServiceRefused => 422,
            Self::Account(AccountProblem::UsernameTaken) => 409,
            Self::Account(AccountProblem::CurrentPasswordWrong) => 403,
            Self::Account(_) => 422,
            Self::Refused(_) | Self::Counter(_) | Self::CodeDead | Self::NotCancellable | Self::FeedbackClosed => 409,
            Self::NotFound => 404,
            Self::CancelLinkExpired => 410,
            Self::NotSignedIn | Self::StaffSignInWrong | Self::ApiKeyInvalid => 401,
            Self::Forbidden | Self::PasswordChangeNeeded => 403,
            Self::CodeWait(_) | Self::CodeTooMany(_) | Self::StaffLocked(_) | Self::SignInBusy => 429,
            Self::ProofOfWorkNeeded(_) | Self::ApiRateLimited(_) | Self::KioskTooFast => 429,
            Self::Transport(_) | Self::Malformed => 400,
            Self::TooLarge => 413,
            Self::SmsFailed => 502,
            Self::Busy => 503,
            Self::Internal => 500,
        }
    }

    /// For a 429 or 503: how many seconds until trying again can succeed.
    pub fn retry_after_seconds(&self) -> Option<i64> {
        match self {
            Self::CodeWait(seconds) | Self::ApiRateLimited(seconds) => Some(*seconds),
            Self::CodeTooMany(minutes) | Self::StaffLocked(minutes) => Some(minutes * 60),
            Self::SignInBusy => Some(SIGN_IN_BUSY_RETRY_SECONDS),
            // At most: by then every number of the minute counted has aged out.
            Self::KioskTooFast => Some(60),
            // As soon as the puzzle is solved, which takes a browser about a second.
            Self::ProofOfWorkNeeded(_) | Self::Busy => Some(1),
            _ => None,
        }
    }

    pub fn field_problem(&self, field: Field) -> Option<FieldProblem> {
        match self {
            Self::Invalid(errors) => errors.iter().find(|e| e.field == field).map(|e| e.problem),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server: the request's fields could not be read.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                #[cfg(feature = "ssr")]
                tracing::debug!(error = %value, "malformed server function request");
                Self::Malformed
            }
            other => Self::Transport(other.to_string()),
        }
    }
}
