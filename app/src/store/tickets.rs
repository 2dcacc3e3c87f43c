//! Tickets: issuing them under the daily quota, reading them back for the ticket
//! page, and moving them between states.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rand::Rng;
use sqlx::any::AnyRow;
use sqlx::AnyPool;
use sqlx::{Any, Transaction};
use thiserror::Error;
use tokio::sync::oneshot;

use super::locks::{hold, Lock};
use super::sessions::SessionKey;
use super::{millis, parse_date, ColumnValues, Columns, Db, StoreError, StoreResult, AT_COUNTER};
use crate::domain::audit::{Actor, AuditAction, AuditEntry, Fields};
use crate::domain::booking::{
    candidate_dates, refusal_when_all_full, rollover_reason, BookingRefusal, BookingRequest, PhoneCaps, PhoneHoldings,
    RolloverReason,
};
use crate::domain::booking::{Booked, Holder, IssuedBy};
use crate::domain::estimate::{CallEstimate, Place, ServiceTimes, HISTORY};
use crate::domain::feedback::{FeedbackState, Rating};
use crate::domain::identity::{Email, FullName, Nik, PhoneNumber};
use crate::domain::office::{Office, Service};
use crate::domain::priority::PriorityCategory;
use crate::domain::ticket::{
    display_number, people_ahead, transition, CallCount, CancelReason, Channel, CounterSeat, ServicePrefix,
    TicketAction, TicketState, Transition, TransitionError,
};
use crate::domain::webhook::{TicketFacts, WebhookEvent};
use crate::model::{MyTicket, TicketView};

#[derive(Debug, Error)]
pub enum BookError {
    #[error("refused: {0:?}")]
    Refused(BookingRefusal),
    /// The service stopped taking tickets while the booking was being made
    /// (found when the office changed under it).
    #[error("the service no longer takes tickets")]
    ServiceClosed,
    /// The citizen's session ended (signed out elsewhere) before the booking
    /// was made (`book_online`).
    #[error("the session has ended")]
    SignedOut,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BookError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

/// Letters and digits that cannot be mistaken for one another when read aloud or typed.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn new_public_code() -> String {
    let mut rng = rand::thread_rng();
    (0..10).map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())])).collect()
}

/// How often a booking on PostgreSQL starts again from the office's current
/// row after finding that the office it was worked out from changed.
const OFFICE_CHANGES: usize = 3;

/// Issues a ticket: on the requested date if it has room, otherwise on the next
/// working day with room, within the horizon. The dates are worked out here; the
/// places are claimed by the booking writer (see `run_booking_writer`).
///
/// On PostgreSQL `office` may be a copy read earlier (`offices::find_remembered`):
/// the booking's transaction checks that its `settings_version` is current, and
/// when it is not, the booking is rolled back and worked out again from the
/// office's current row, so a change made at any instance holds at once. A
/// refusal worked out from the copy alone (a closed day, a category the office
/// did not serve) is checked against the office's row the same way.
pub async fn book(
    db: &Db,
    office: &Office,
    service: &Service,
    holder: &Holder,
    by: IssuedBy,
    request: BookingRequest,
    now: DateTime<Utc>,
) -> Result<Booked, BookError> {
    book_checked(db, office, service, Asking { holder, by, session: None, request, now }).await
}

/// A citizen's own booking, as `book`, under the citizen's session. On
/// PostgreSQL the session may be a copy read earlier
/// (`sessions::find_remembered`): the booking's transaction checks that it
/// is still live, and a session revoked meanwhile books nothing.
pub async fn book_online(
    db: &Db,
    office: &Office,
    service: &Service,
    holder: &Holder,
    session: &SessionKey,
    request: BookingRequest,
    now: DateTime<Utc>,
) -> Result<Booked, BookError> {
    let by = IssuedBy::ONLINE;
    book_checked(db, office, service, Asking { holder, by, session: Some(session), request, now }).await
}

/// What a booking asks for, whichever copy of the office it is worked out from.
struct Asking<'a> {
    holder: &'a Holder,
    by: IssuedBy,
    /// The citizen's session, which the booking must still find live.
    session: Option<&'a SessionKey>,
    request: BookingRequest,
    now: DateTime<Utc>,
}

async fn book_checked(db: &Db, office: &Office, service: &Service, asking: Asking<'_>) -> Result<Booked, BookError> {
    let mut current: Option<Office> = None;
    for _ in 0..OFFICE_CHANGES {
        let (office, service) = match &current {
            Some(office) => {
                (office, office.services.iter().find(|open| open.id == service.id).ok_or(BookError::ServiceClosed)?)
            }
            None => (office, service),
        };
        let read = match BookingJob::of(office, service, &asking) {
            Err(refusal) if current.is_none() && db.engine() == super::Engine::Postgres => {
                let read = read_again(db, office).await?;
                if read.settings_version == office.settings_version {
                    return Err(BookError::Refused(refusal));
                }
                read
            }
            Err(refusal) => return Err(BookError::Refused(refusal)),
            Ok(job) => match issue_job(db, job).await {
                Err(BookError::Store(StoreError::OfficeChanged)) => read_again(db, office).await?,
                Err(BookError::Store(StoreError::SessionEnded)) => {
                    if let Some(session) = asking.session {
                        super::sessions::forget(db, session);
                    }
                    return Err(BookError::SignedOut);
                }
                outcome => return outcome,
            },
        };
        current = Some(read);
    }
    Err(StoreError::OfficeChanged.into())
}

/// The office's current row, for a booking worked out from a copy of it.
async fn read_again(db: &Db, office: &Office) -> Result<Office, BookError> {
    let read = super::offices::find(db, &office.slug).await?;
    read.filter(|read| read.id == office.id).ok_or(BookError::ServiceClosed)
}

/// Claims the job's place, by the booking writer (`booking_writer` on
/// SQLite, `booking_batches` on PostgreSQL).
async fn issue_job(db: &Db, job: BookingJob) -> Result<Booked, BookError> {
    let (reply, answer) = oneshot::channel();
    db.bookings.send((job, reply)).await.map_err(|_| StoreError::WriterGone)?;
    answer.await.map_err(|_| StoreError::WriterGone)?
}

impl BookingJob {
    /// The booking's dates and everything else its transaction needs from
    /// the office, or the refusal the office's settings alone decide.
    fn of(office: &Office, service: &Service, asking: &Asking<'_>) -> Result<Self, BookingRefusal> {
        let Asking { holder, by, session, request, now } = asking;
        let (request, now) = (*request, *now);
        service.admits(by.channel)?;
        if let Some(category) = holder.priority {
            if !office.priority.admits(category, by.channel == Channel::Online) {
                return Err(BookingRefusal::PriorityNotOffered);
            }
        }
        let window = service.booking_window(office, now);
        let candidates = candidate_dates(&office.calendar, window, request)?;
        let requested = request.requested_date(window.today());
        // Only a citizen's own online booking counts against the phone: staff and
        // kiosks issue numbers under their own account.
        let phone_caps = match (by.channel, &holder.phone) {
            (Channel::Online, Some(_)) => Some(office.phone_caps),
            _ => None,
        };
        Ok(Self {
            office_slug: office.slug.clone(),
            office_version: office.settings_version,
            service: service.clone(),
            holder: (*holder).clone(),
            by: by.clone(),
            phone_caps,
            released_until: now - chrono::Duration::minutes(office.release_delay_minutes.into()),
            today: window.today(),
            requested,
            candidates: candidates
                .into_iter()
                .map(|date| (date, rollover_reason(&office.calendar, window, requested, date)))
                .collect(),
            when_full: refusal_when_all_full(window, request),
            issued_webhook: office.webhook_events.contains(&WebhookEvent::TicketIssued),
            session: session.cloned(),
            now,
        })
    }
}

/// How often a booking is tried again after PostgreSQL broke a deadlock or a
/// serialization conflict by failing it.
const CONFLICT_RETRIES: usize = 5;

/// A booking in a transaction of its own, for PostgreSQL when its batch in
/// `booking_batches` failed; bookings of several instances run side by side
/// there. The claim in `claim_place` is one `INSERT … ON CONFLICT DO UPDATE …
/// WHERE issued < quota`, which locks the (service, date) row and re-reads it
/// after a concurrent claim commits, so no date ever gets more tickets than
/// its quota.
pub(crate) async fn book_alone(pool: &AnyPool, job: &BookingJob) -> Result<Booked, BookError> {
    let mut tries = 0;
    loop {
        let mut tx = pool.begin().await?;
        let outcome = match book_one(&mut tx, job).await {
            Ok(outcome) => tx.commit().await.map(|()| outcome).map_err(StoreError::from),
            Err(error) => Err(error),
        };
        match outcome {
            Err(StoreError::Database(sqlx::Error::Database(e)))
                if tries < CONFLICT_RETRIES && matches!(e.code().as_deref(), Some("40001" | "40P01")) =>
            {
                tries += 1;
            }
            other => return other?,
        }
    }
}

/// A booking whose dates are decided, waiting for the writer.
#[derive(Debug)]
pub(crate) struct BookingJob {
    /// For the webhooks' `ticket.issued` (see `store::webhooks`).
    office_slug: String,
    /// The `settings_version` of the office the dates were worked out from.
    office_version: i64,
    service: Service,
    holder: Holder,
    by: IssuedBy,
    /// Set when the booking counts against the holder's phone.
    phone_caps: Option<PhoneCaps>,
    /// Places of numbers cancelled up to this instant are free again.
    released_until: DateTime<Utc>,
    today: NaiveDate,
    requested: NaiveDate,
    candidates: Vec<(NaiveDate, Option<RolloverReason>)>,
    when_full: BookingRefusal,
    /// Whether the office has a webhook for `ticket.issued` (its settings).
    issued_webhook: bool,
    /// The citizen's session, for a booking that must still find it live.
    session: Option<SessionKey>,
    now: DateTime<Utc>,
}

impl BookingJob {
    /// Where the booking's first claim falls, in the order a batch claims
    /// (`booking_batches`): service, then date.
    pub(crate) fn claim_order(&self) -> (i64, Option<NaiveDate>) {
        (self.service.id, self.candidates.first().map(|(date, _)| *date))
    }

    /// The phone this booking counts against: only a citizen's own online
    /// booking does.
    pub(crate) fn counted_phone(&self) -> Option<&PhoneNumber> {
        self.phone_caps.and(self.holder.phone.as_ref())
    }

    /// The holdings on `date` this booking counts against.
    fn held_on(&self, date: NaiveDate) -> Option<HeldBy<'_>> {
        self.counted_phone().map(|phone| HeldBy {
            phone,
            service: &self.service,
            date,
            today: self.today,
            released_until: self.released_until,
        })
    }

    fn claim_on(&self, date: NaiveDate) -> Claim {
        Claim {
            service_id: self.service.id,
            date,
            released_until: self.released_until,
            kept: self.service.places_kept_from(self.by.channel),
        }
    }
}

/// Takes, in one statement and in key order, the phone locks of the `jobs`
/// that count against their phone, before any of them claims a place: a
/// batch that took one phone's lock amid its claims could wait for a phone
/// whose holder waits for one of its dates (`booking_batches`). Each
/// booking's own look then finds its lock held already.
pub(crate) async fn hold_phones<'j>(
    tx: &mut Transaction<'_, Any>,
    jobs: impl Iterator<Item = &'j BookingJob>,
) -> StoreResult<()> {
    let mut now = None;
    let mut keys = std::collections::BTreeSet::new();
    for job in jobs {
        if let Some(phone) = job.counted_phone() {
            keys.insert(Lock::Phone(phone.as_str()).key());
            now = now.max(Some(job.now));
        }
    }
    match now {
        Some(now) => super::locks::hold_all(tx, &keys, now).await,
        None => Ok(()),
    }
}

pub(crate) type BookingReply = oneshot::Sender<Result<Booked, BookError>>;

/// The statements a booking runs (`book_one`), on either connection that
/// issues tickets: sqlx's on PostgreSQL (the booking writers' batches,
/// `store::booking_batches`), and SQLite's own in the booking writer
/// (`store::booking_writer`), where the statements run on the writer's thread
/// with no hand-over to another thread for each, which was most of a
/// booking's cost.
pub(crate) trait BookingStatements {
    /// What a booking reads before it claims a place. On PostgreSQL this
    /// also takes the phone's lock, so that the counts include every booking
    /// of the phone that committed while this one waited for it, and checks
    /// that the office and session the booking was worked out from are
    /// current (`check_look`): an implementation for PostgreSQL that keeps
    /// this default would let stale copies through.
    async fn first_look(&mut self, look: &Look<'_>) -> StoreResult<Looked> {
        look_apart(self, look).await
    }
    /// The NIK's active ticket for the service asked for, or given on, `date`
    /// (`statements::ACTIVE_TICKET`).
    async fn active_ticket(&mut self, service_id: i64, nik: &Nik, date: NaiveDate) -> StoreResult<Option<NikTicket>>;
    /// The phone's active online numbers (`statements::PHONE_HOLDINGS`).
    async fn phone_holdings(&mut self, held: &HeldBy<'_>) -> StoreResult<PhoneHoldings>;
    /// The next place on a date within the quota (`statements::CLAIM_PLACE`).
    async fn claim_place(&mut self, claim: &Claim) -> StoreResult<Option<u32>>;
    /// `claim_place`, then with its place (`take_place`) `insert_ticket` of
    /// `booked`: `None` when the date had no room, else whether the ticket
    /// was inserted. On PostgreSQL one statement (`statements::CLAIM_AND_INSERT`).
    async fn claim_and_insert(
        &mut self,
        claim: &Claim,
        job: &BookingJob,
        booked: &mut Booked,
    ) -> StoreResult<Option<bool>> {
        let Some(sequence) = self.claim_place(claim).await? else {
            return Ok(None);
        };
        take_place(booked, job.service.prefix, sequence);
        self.insert_ticket(&NewTicket::of(job, booked)).await.map(Some)
    }
    /// Undoes the claim just made in this transaction, so sequences stay
    /// without gaps (`statements::RELEASE_PLACE`).
    async fn release_place(&mut self, claim: &Claim, sequence: u32) -> StoreResult<()>;
    /// Inserts the ticket unless its NIK already has an active one; says
    /// whether it did (`statements::INSERT_TICKET`).
    async fn insert_ticket(&mut self, ticket: &NewTicket<'_>) -> StoreResult<bool>;
    /// `ticket.issued` for the office's subscribers (`webhooks::ENQUEUE`).
    async fn enqueue_webhooks(&mut self, deliveries: super::webhooks::Enqueued) -> StoreResult<()>;
    /// The staff's or kiosk's booking in the audit log (`audit::RECORD`).
    async fn record_audit(&mut self, entry: &AuditEntry) -> StoreResult<()>;
}

/// What a booking reads before it claims a place.
pub(crate) struct Look<'a> {
    /// The NIK's active ticket for the service asked for, or given on, the
    /// requested date (`service_id`, NIK, date).
    pub nik: Option<(i64, &'a Nik, NaiveDate)>,
    /// The phone's holdings on the first date tried, for a booking that
    /// counts against the phone.
    pub held: Option<HeldBy<'a>>,
    /// The first date's claim, which the look may make ahead.
    pub claim: Option<&'a Claim>,
    /// The office the booking was worked out from, as (id, `settings_version`):
    /// on PostgreSQL the look fails with `StoreError::OfficeChanged` when the
    /// office's row has another version.
    pub office: (i64, i64),
    /// On PostgreSQL the look fails with `StoreError::SessionEnded` unless
    /// this session is live.
    pub session: Option<&'a SessionKey>,
    pub now: DateTime<Utc>,
}

/// What `Look` asked for.
pub(crate) struct Looked {
    pub active: Option<NikTicket>,
    pub holdings: Option<PhoneHoldings>,
    /// `Some` when the look made the first date's claim: the place, or
    /// `None` when the date had no room.
    pub claimed: Option<Option<u32>>,
}

/// `Look`'s reads, one statement each.
async fn look_apart(tx: &mut (impl BookingStatements + ?Sized), look: &Look<'_>) -> StoreResult<Looked> {
    let active = match look.nik {
        Some((service_id, nik, date)) => tx.active_ticket(service_id, nik, date).await?,
        None => None,
    };
    let holdings = match &look.held {
        Some(held) => Some(tx.phone_holdings(held).await?),
        None => None,
    };
    Ok(Looked { active, holdings, claimed: None })
}

/// The phone whose holdings are counted for a booking of `service` on `date`.
pub(crate) struct HeldBy<'a> {
    pub phone: &'a PhoneNumber,
    pub service: &'a Service,
    pub date: NaiveDate,
    pub today: NaiveDate,
    /// The phone's own cancellations after this still hold their places
    /// (`Claim::released_until`), so they count as numbers it holds.
    pub released_until: DateTime<Utc>,
}

/// A claim of a place on a service's date; `kept` places of the quota are
/// not for it (the walk-ins' reserve, for an online booking), and places of
/// numbers cancelled up to `released_until` are free again.
pub(crate) struct Claim {
    pub service_id: i64,
    pub date: NaiveDate,
    pub released_until: DateTime<Utc>,
    pub kept: u32,
}

/// A ticket's values, in the order `statements::INSERT_TICKET` binds them.
pub(crate) struct NewTicket<'a> {
    pub code: &'a str,
    pub service_id: i64,
    pub service_date: String,
    pub requested_date: String,
    pub rollover: Option<String>,
    pub sequence: i64,
    pub display_number: &'a str,
    pub name: Option<&'a str>,
    pub nik: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub channel: &'static str,
    pub issued_at: i64,
    pub staff: Option<i64>,
    pub priority: Option<&'static str>,
}

impl<'a> NewTicket<'a> {
    fn of(job: &'a BookingJob, booked: &'a Booked) -> Self {
        let holder = &job.holder;
        Self {
            code: &booked.code,
            service_id: job.service.id,
            service_date: booked.service_date.to_string(),
            requested_date: booked.requested_date.to_string(),
            rollover: booked.rollover.as_ref().and_then(|r| serde_json::to_string(r).ok()),
            sequence: i64::from(booked.sequence),
            display_number: &booked.display_number,
            name: holder.name.as_ref().map(FullName::as_str),
            nik: holder.nik.as_ref().map(Nik::as_str),
            phone: holder.phone.as_ref().map(PhoneNumber::as_str),
            email: holder.email.as_ref().map(Email::as_str),
            channel: job.by.channel.as_str(),
            issued_at: millis(job.now),
            staff: job.by.staff_id(),
            priority: holder.priority.map(PriorityCategory::as_str),
        }
    }
}

pub(crate) async fn book_one(
    tx: &mut impl BookingStatements,
    job: &BookingJob,
) -> Result<Result<Booked, BookError>, StoreError> {
    match look(tx, job, true).await? {
        Ok(looked) => book_looked(tx, job, looked).await,
        Err(stale) => Ok(Err(stale)),
    }
}

/// What `job` reads before it claims a place (`BookingStatements::first_look`),
/// claiming its first date ahead if `claim_ahead`; `Err` when the booking's
/// office changed or its session ended, its own outcome (the look gave back
/// any place it claimed), not the transaction's, which may carry others.
pub(crate) async fn look(
    tx: &mut impl BookingStatements,
    job: &BookingJob,
    claim_ahead: bool,
) -> Result<Result<Looked, BookError>, StoreError> {
    let first_claim = job.candidates.first().filter(|_| claim_ahead).map(|(date, _)| job.claim_on(*date));
    let look = Look {
        nik: job.holder.nik.as_ref().map(|nik| (job.service.id, nik, job.requested)),
        held: job.candidates.first().and_then(|(date, _)| job.held_on(*date)),
        claim: first_claim.as_ref(),
        office: (job.service.office_id, job.office_version),
        session: job.session.as_ref(),
        now: job.now,
    };
    match tx.first_look(&look).await {
        Err(stale @ (StoreError::OfficeChanged | StoreError::SessionEnded)) => Ok(Err(stale.into())),
        looked => looked.map(Ok),
    }
}

/// The rest of `book_one`, after `look`.
pub(crate) async fn book_looked(
    tx: &mut impl BookingStatements,
    job: &BookingJob,
    looked: Looked,
) -> Result<Result<Booked, BookError>, StoreError> {
    let Looked { active, holdings: mut first_holdings, claimed: mut first_claimed } = looked;
    let first_claim = job.candidates.first().map(|(date, _)| job.claim_on(*date));
    // A place the look claimed ahead goes back when the booking does not take it.
    let claimed_ahead = first_claim.as_ref().zip(first_claimed.flatten());
    // The same NIK asking again (a retry, a second tab) is answered before any
    // cap: its own number is not one more.
    if let Some(existing) = active {
        if let Some((claim, sequence)) = claimed_ahead {
            tx.release_place(claim, sequence).await?;
        }
        return Ok(existing.answer_to(&job.holder, &job.by));
    }
    for (date, rollover) in &job.candidates {
        if let Some((held, caps)) = job.held_on(*date).zip(job.phone_caps) {
            let holdings = match first_holdings.take() {
                Some(holdings) => holdings,
                None => tx.phone_holdings(&held).await?,
            };
            if let Err(refusal) = caps.admit(holdings) {
                if let Some((claim, sequence)) = claimed_ahead {
                    tx.release_place(claim, sequence).await?;
                }
                return Ok(Err(BookError::Refused(refusal)));
            }
        }
        let claim = job.claim_on(*date);
        let mut booked = Booked {
            code: new_public_code(),
            display_number: String::new(),
            sequence: 0,
            service_date: *date,
            requested_date: job.requested,
            rollover: rollover.clone(),
            existing: false,
            new_for_today: *date == job.today,
        };
        let inserted = match first_claimed.take() {
            Some(None) => continue,
            Some(Some(sequence)) => {
                take_place(&mut booked, job.service.prefix, sequence);
                tx.insert_ticket(&NewTicket::of(job, &booked)).await?
            }
            None => match tx.claim_and_insert(&claim, job, &mut booked).await? {
                Some(inserted) => inserted,
                None => continue,
            },
        };
        if inserted {
            after_insert(tx, job, &booked).await?;
            return Ok(Ok(booked));
        }
        // The holder already has an active ticket on this date (a concurrent
        // request, or an earlier one that rolled here): give the place back and
        // answer with that ticket.
        tx.release_place(&claim, booked.sequence).await?;
        let nik = job.holder.nik.as_ref().ok_or_else(|| StoreError::Corrupt("a ticket not inserted".into()))?;
        let existing = tx.active_ticket(job.service.id, nik, *date).await?;
        let existing = existing.ok_or_else(|| StoreError::Corrupt("a NIK's ticket not found".into()))?;
        return Ok(existing.answer_to(&job.holder, &job.by));
    }
    Ok(Err(BookError::Refused(job.when_full.clone())))
}

/// Gives a new ticket its place, `sequence`, and its number for the screens.
fn take_place(booked: &mut Booked, prefix: ServicePrefix, sequence: u32) {
    booked.sequence = sequence;
    booked.display_number = display_number(prefix, sequence);
}

/// The ticket's webhook deliveries and, for a staff or kiosk booking, its
/// audit entry, in the booking's transaction.
async fn after_insert(tx: &mut impl BookingStatements, job: &BookingJob, booked: &Booked) -> StoreResult<()> {
    if job.issued_webhook {
        let issued = super::webhooks::Issued {
            office_id: job.service.office_id,
            office_slug: &job.office_slug,
            ticket: TicketFacts {
                number: booked.display_number.clone(),
                service: job.service.prefix.letter().to_string(),
                service_name: job.service.name_id.clone(),
                service_date: booked.service_date.to_string(),
                counter: None,
            },
            at: job.now,
        };
        tx.enqueue_webhooks(issued.deliveries()?).await?;
    }
    if let Some(by) = &job.by.account {
        let action = match job.by.channel {
            Channel::WalkIn => AuditAction::WalkInIssued,
            _ => AuditAction::TicketBooked,
        };
        let after = Fields::from([
            ("service".to_string(), job.service.prefix.letter().to_string()),
            ("date".to_string(), booked.service_date.to_string()),
            ("code".to_string(), booked.code.clone()),
            ("priority".to_string(), job.holder.priority.map(PriorityCategory::as_str).unwrap_or_default().to_string()),
        ]);
        let entry = AuditEntry::new(by, Some(job.service.office_id), action, booked.display_number.clone());
        tx.record_audit(&entry.with_after(after)).await?;
    }
    Ok(())
}

impl BookingStatements for Transaction<'_, Any> {
    async fn first_look(&mut self, look: &Look<'_>) -> StoreResult<Looked> {
        let (office_id, version) = look.office;
        let session = look.session.map(|session| session.hash().to_vec());
        let (Some(held), Some((service_id, nik, date))) = (&look.held, look.nik) else {
            // Staff's and kiosks' bookings, which read the office just before.
            let row = sqlx::query(&statements::OFFICE_VERSION)
                .bind(office_id)
                .bind(session)
                .bind(millis(look.now))
                .fetch_one(&mut **self)
                .await?;
            check_look(&row, version, look.session.is_some())?;
            if let Some(held) = &look.held {
                hold(self, Lock::Phone(held.phone.as_str()), look.now).await?;
            }
            return look_apart(self, look).await;
        };
        let statement = if look.claim.is_some() { &statements::LOCKED_LOOK } else { &statements::LOCKED_READ };
        let query = sqlx::query(statement).bind(Lock::Phone(held.phone.as_str()).key()).bind(millis(look.now));
        let query = bind_holdings(bind_active(query, service_id, nik, date), held);
        let query = match look.claim {
            Some(claim) => bind_claim(query, claim),
            None => query,
        };
        let row = query.bind(office_id).bind(session).fetch_one(&mut **self).await?;
        let claimed = match look.claim {
            Some(claim) => Some((claim, row.col::<Option<i64>>("claimed")?.map(issued_place).transpose()?)),
            None => None,
        };
        if let Err(stale) = check_look(&row, version, look.session.is_some()) {
            if let Some((claim, Some(sequence))) = claimed {
                self.release_place(claim, sequence).await?;
            }
            return Err(stale);
        }
        let claimed = claimed.map(|(_, claimed)| claimed);
        let seen: Option<i64> = row.col("seen")?;
        if row.col::<i64>("taken")? != seen.map_or(0, |seen| seen + 1) {
            // Another holder of the lock committed after the statement's
            // snapshot: read again, under the lock.
            return Ok(Looked { claimed, ..look_apart(self, look).await? });
        }
        let active = match row.col::<Option<String>>("public_code")? {
            Some(_) => Some(NikTicket::read(&row)?),
            None => None,
        };
        Ok(Looked { active, holdings: Some(holdings_of(&row)?), claimed })
    }

    async fn active_ticket(&mut self, service_id: i64, nik: &Nik, date: NaiveDate) -> StoreResult<Option<NikTicket>> {
        let row = bind_active(sqlx::query(&statements::ACTIVE_TICKET), service_id, nik, date)
            .fetch_optional(&mut **self)
            .await?;
        row.as_ref().map(NikTicket::read).transpose()
    }

    async fn phone_holdings(&mut self, held: &HeldBy<'_>) -> StoreResult<PhoneHoldings> {
        let row = bind_holdings(sqlx::query(&statements::PHONE_HOLDINGS), held).fetch_one(&mut **self).await?;
        holdings_of(&row)
    }

    async fn claim_place(&mut self, claim: &Claim) -> StoreResult<Option<u32>> {
        let row = bind_claim(sqlx::query(&statements::CLAIM_PLACE), claim).fetch_optional(&mut **self).await?;
        row.map(|row| row.col("issued").and_then(issued_place)).transpose()
    }

    async fn claim_and_insert(
        &mut self,
        claim: &Claim,
        job: &BookingJob,
        booked: &mut Booked,
    ) -> StoreResult<Option<bool>> {
        let ticket = NewTicket::of(job, booked);
        let query = bind_claim(sqlx::query(&statements::CLAIM_AND_INSERT), claim)
            .bind(ticket.code)
            .bind(&ticket.requested_date)
            .bind(ticket.rollover.as_deref());
        let row =
            bind_holder_on(query, &ticket).bind(job.service.prefix.letter().to_string()).fetch_one(&mut **self).await?;
        let Some(issued) = row.col::<Option<i64>>("claimed")? else {
            return Ok(None);
        };
        let sequence = issued_place(issued)?;
        take_place(booked, job.service.prefix, sequence);
        if row.col::<String>("display_number")? != booked.display_number {
            return Err(StoreError::Corrupt(format!("ticket {sequence} numbered {}", booked.display_number)));
        }
        Ok(Some(row.col::<i64>("inserted")? == 1))
    }

    async fn release_place(&mut self, claim: &Claim, sequence: u32) -> StoreResult<()> {
        sqlx::query(statements::RELEASE_PLACE)
            .bind(claim.service_id)
            .bind(claim.date.to_string())
            .bind(i64::from(sequence))
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn insert_ticket(&mut self, ticket: &NewTicket<'_>) -> StoreResult<bool> {
        let query = sqlx::query(&statements::INSERT_TICKET)
            .bind(ticket.code)
            .bind(ticket.service_id)
            .bind(&ticket.service_date)
            .bind(&ticket.requested_date)
            .bind(ticket.rollover.as_deref())
            .bind(ticket.sequence)
            .bind(ticket.display_number);
        let inserted = bind_holder_on(query, ticket).execute(&mut **self).await?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn enqueue_webhooks(&mut self, deliveries: super::webhooks::Enqueued) -> StoreResult<()> {
        super::webhooks::enqueue(self, deliveries).await.map(drop)
    }

    async fn record_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        super::audit::record(self, entry).await
    }
}

/// The office's version and the session a look read (`statements::OFFICE_VERSION`,
/// or the same columns of `LOCKED_LOOK`), checked against the booking's.
fn check_look(row: &AnyRow, office_version: i64, session_checked: bool) -> StoreResult<()> {
    if row.col::<Option<i64>>("office_version")? != Some(office_version) {
        return Err(StoreError::OfficeChanged);
    }
    if session_checked && row.col::<i64>("live_sessions")? == 0 {
        return Err(StoreError::SessionEnded);
    }
    Ok(())
}

/// A statement of `statements`, being bound on PostgreSQL.
type PgQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Binds `statements::ACTIVE_TICKET`'s values, in its order, from the
/// placeholder `query` has reached (also inside `LOCKED_LOOK`).
fn bind_active<'q>(query: PgQuery<'q>, service_id: i64, nik: &'q Nik, date: NaiveDate) -> PgQuery<'q> {
    query.bind(service_id).bind(nik.as_str()).bind(date.to_string())
}

/// Binds the values of `ticket` from its holder's name on, in `NewTicket`'s
/// order, as `bind_active` (`statements::INSERT_TICKET`, `CLAIM_AND_INSERT`).
fn bind_holder_on<'q>(query: PgQuery<'q>, ticket: &NewTicket<'q>) -> PgQuery<'q> {
    query
        .bind(ticket.name)
        .bind(ticket.nik)
        .bind(ticket.phone)
        .bind(ticket.email)
        .bind(ticket.channel)
        .bind(ticket.issued_at)
        .bind(ticket.staff)
        .bind(ticket.priority)
}

/// Binds `statements::PHONE_HOLDINGS`'s values, as `bind_active`.
fn bind_holdings<'q>(query: PgQuery<'q>, held: &HeldBy<'q>) -> PgQuery<'q> {
    query
        .bind(held.phone.as_str())
        .bind(held.service.id)
        .bind(held.service.office_id)
        .bind(held.date.to_string())
        .bind(held.today.to_string())
        .bind(millis(held.released_until))
}

/// Binds `statements::CLAIM_PLACE`'s values, as `bind_active`.
fn bind_claim<'q>(query: PgQuery<'q>, claim: &Claim) -> PgQuery<'q> {
    query
        .bind(claim.service_id)
        .bind(claim.date.to_string())
        .bind(millis(claim.released_until))
        .bind(i64::from(claim.kept))
}

/// The phone's holdings in a row of `statements::PHONE_HOLDINGS` (or `LOCKED_LOOK`).
fn holdings_of(row: &AnyRow) -> StoreResult<PhoneHoldings> {
    holdings([row.col("service_day")?, row.col("office_day")?, row.col("upcoming")?])
}

/// The three counts of `statements::PHONE_HOLDINGS`, in its order.
pub(crate) fn holdings([service_day, office_day, upcoming]: [i64; 3]) -> StoreResult<PhoneHoldings> {
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(PhoneHoldings { service_day: count(service_day), office_day: count(office_day), upcoming: count(upcoming) })
}

/// The place `statements::CLAIM_PLACE` returned.
pub(crate) fn issued_place(issued: i64) -> StoreResult<u32> {
    u32::try_from(issued).map_err(|_| StoreError::Corrupt(format!("issued {issued}")))
}

/// The statements of a booking, in the order it runs them. Public so that the
/// bench's yardstick (`antrean-bench bookings`) runs exactly the same SQL.
pub mod statements {
    use std::sync::LazyLock;

    use crate::store::ACTIVE;

    /// The NIK's active ticket for the service asked for, or given on, a date:
    /// `$1` service, `$2` NIK, `$3` date.
    pub static ACTIVE_TICKET: LazyLock<String> = LazyLock::new(|| active_ticket(1));

    /// The phone's online numbers, active or given back so lately that
    /// their places are not free yet (a calo cancelling and booking again
    /// would hold a day's quota with one phone): `$1` phone, `$2` service,
    /// `$3` office, `$4` date, `$5` today, `$6` released until.
    pub static PHONE_HOLDINGS: LazyLock<String> = LazyLock::new(|| phone_holdings(1));

    /// A booking's first statement on PostgreSQL when it counts against a
    /// phone: it takes the phone's lock (`locks::TAKE`, `$1` key, `$2` at),
    /// reads `ACTIVE_TICKET` (`$3` to `$5`) and `PHONE_HOLDINGS` (`$6` to
    /// `$11`), and makes the first date's `CLAIM_PLACE` (`$12` to `$15`):
    /// one round trip instead of four. The reads see the snapshot the
    /// statement took before it waited for the lock; they counted every
    /// booking of the phone when `taken` is one more than the `seen` count
    /// (0 for a new lock), as no other holder committed in between. The
    /// claim, like `CLAIM_PLACE` alone, is decided on the (service, date)
    /// row's latest version, under its lock; a booking refused after it
    /// gives the place back. It also reads `OFFICE_VERSION`'s columns for the
    /// `$16` office and the `$17` session, which the booking checks
    /// (`Look::office`, `Look::session`).
    pub(crate) static LOCKED_LOOK: LazyLock<String> = LazyLock::new(|| locked_look(true));

    /// `LOCKED_LOOK` without the claim: `$12` office, `$13` session. A
    /// booking batch looks for its bookings before it claims any place, so
    /// that it holds its dates' rows, which the other batches wait on, for
    /// the claims and inserts alone (`booking_batches`).
    pub(crate) static LOCKED_READ: LazyLock<String> = LazyLock::new(|| locked_look(false));

    fn locked_look(claim: bool) -> String {
        let (claimed, claimed_column, office) = match claim {
            true => (format!(", claimed AS ({})", claim_place(12)), "(SELECT issued FROM claimed) AS claimed,", 16),
            false => (String::new(), "", 12),
        };
        format!(
            "WITH seen AS (SELECT taken FROM locks WHERE key = $1),
                  took AS ({take} RETURNING taken){claimed}
             SELECT (SELECT taken FROM seen) AS seen, (SELECT taken FROM took) AS taken, {claimed_column}
                    {office_version}, h.*, a.*
             FROM ({holdings}) AS h LEFT JOIN ({active}) AS a ON TRUE",
            take = *crate::store::locks::TAKE,
            active = active_ticket(3),
            holdings = phone_holdings(6),
            office_version = office_version(office, office + 1, 2),
        )
    }

    /// `OFFICE_VERSION`'s columns with its values at the given placeholders.
    fn office_version(office: usize, session: usize, now: usize) -> String {
        format!(
            "(SELECT settings_version FROM offices WHERE id = ${office}) AS office_version,
             (SELECT COUNT(*) FROM sessions
               WHERE token_hash = ${session} AND revoked_at IS NULL AND expires_at > ${now}) AS live_sessions"
        )
    }

    /// `ACTIVE_TICKET` with its values from `$first` on.
    fn active_ticket(first: usize) -> String {
        let [service, nik, date] = [first, first + 1, first + 2];
        format!(
            "SELECT public_code, display_number, sequence, service_date, requested_date, rollover_reason, holder_phone
             FROM tickets WHERE issued_service_id = ${service} AND holder_nik = ${nik} AND state IN {active}
               AND (requested_date = ${date} OR service_date = ${date})
             ORDER BY id LIMIT 1",
            active = ACTIVE.as_str()
        )
    }

    /// `CLAIM_PLACE` with its values from `$first` on.
    fn claim_place(first: usize) -> String {
        let [service, date, released_until, kept] = [first, first + 1, first + 2, first + 3];
        format!(
            "INSERT INTO service_days (service_id, service_date, issued)
             SELECT ${service}, ${date}, 1 FROM services WHERE id = ${service} AND daily_quota - ${kept} > 0
             ON CONFLICT (service_id, service_date)
             DO UPDATE SET issued = service_days.issued + 1
             WHERE service_days.issued
                   - (SELECT COUNT(*) FROM tickets t
                       WHERE t.issued_service_id = ${service} AND t.service_date = ${date} AND t.state = 'cancelled'
                         AND t.cancelled_at <= ${released_until})
                 < (SELECT daily_quota FROM services WHERE id = ${service}) - ${kept}
             RETURNING issued"
        )
    }

    /// `PHONE_HOLDINGS` with its values from `$first` on.
    fn phone_holdings(first: usize) -> String {
        let [phone, service, office, date, today, released_until] =
            [first, first + 1, first + 2, first + 3, first + 4, first + 5];
        format!(
            "SELECT COALESCE(SUM(CASE WHEN t.issued_service_id = ${service} AND t.service_date = ${date}
                                      THEN 1 ELSE 0 END), 0) AS service_day,
                    COALESCE(SUM(CASE WHEN s.office_id = ${office} AND t.service_date = ${date}
                                      THEN 1 ELSE 0 END), 0) AS office_day,
                    COUNT(*) AS upcoming
             FROM tickets t JOIN services s ON s.id = t.issued_service_id
             WHERE t.holder_phone = ${phone} AND t.channel = 'online' AND t.service_date >= ${today}
               AND (t.state IN {active}
                    OR (t.state = 'cancelled' AND t.cancelled_by_staff IS NULL
                        AND t.cancelled_at > ${released_until}))",
            active = ACTIVE.as_str()
        )
    }

    /// The next place on a date if the quota allows it: the numbers issued,
    /// less those cancelled long enough ago (`$3`, released until) that their
    /// places are free again, stay below the quota less the `$4` places kept
    /// from this claim. Sequence numbers only grow, so a display number is
    /// never given twice in a day. The quota is read inside the statement,
    /// so a change by an admin applies at once; the row's lock orders
    /// concurrent claims on PostgreSQL. `$1` service, `$2` date.
    pub static CLAIM_PLACE: LazyLock<String> = LazyLock::new(|| claim_place(1));

    /// The `$1` office's `settings_version` and whether the `$2` session
    /// (its token's hash) is live at `$3`, which a booking checks
    /// (`Look::office`, `Look::session`) when it does not run `LOCKED_LOOK`.
    pub(crate) static OFFICE_VERSION: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {}", office_version(1, 2, 3)));

    /// Gives back the place just claimed: `$1` service, `$2` date, `$3` the sequence.
    pub const RELEASE_PLACE: &str =
        "UPDATE service_days SET issued = issued - 1 WHERE service_id = $1 AND service_date = $2 AND issued = $3";

    /// `CLAIM_PLACE` (`$1` service, `$2` date, `$3`, `$4`) and, with the
    /// place, `INSERT_TICKET` of the ticket whose other values follow in
    /// `NewTicket`'s order (`$5` code, `$6` requested date … `$15` priority;
    /// its service and date are the claim's) and whose number, `$16` the
    /// service's letter, is `ticket::display_number`'s: one round trip
    /// instead of two while the batch holds its dates' rows. `claimed` is
    /// the place, or NULL when the date had no room; `inserted` 0 when the
    /// NIK holds an active ticket there (the place is then given back).
    pub(crate) static CLAIM_AND_INSERT: LazyLock<String> = LazyLock::new(|| {
        format!(
            "WITH claimed AS ({claim}),
                  numbered AS (SELECT issued, $16 || '-' || lpad(issued::text, GREATEST(3, length(issued::text)), '0')
                                      AS display_number FROM claimed),
                  inserted AS ({insert} RETURNING 1)
             SELECT (SELECT issued FROM numbered) AS claimed, (SELECT display_number FROM numbered) AS display_number,
                    (SELECT COUNT(*) FROM inserted) AS inserted",
            claim = claim_place(1),
            insert = insert_ticket(
                "SELECT $5, $1, $1, $2, $6, $7, issued, display_number, $8, $9, $10, $11, $12, $13, $14, $15,",
                "FROM numbered",
                (13, 2)
            ),
        )
    });

    /// The ticket (`NewTicket` holds its fifteen values, in their order),
    /// unless the NIK holds an active one for the service and day: the
    /// conflict named is `tickets_one_active_per_nik`'s (migration 0001),
    /// as checking every unique index costs the insert twice as much there.
    pub static INSERT_TICKET: LazyLock<String> = LazyLock::new(|| {
        insert_ticket("VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,", ")", (13, 3))
    });

    /// The insert of a ticket whose values are `values` (of `INSERT_TICKET`'s
    /// columns, all but the queue key) and `then`, its queue key worked
    /// out from the `(issued at, service date)` placeholders.
    fn insert_ticket(values: &str, then: &str, (issued_at, date): (usize, usize)) -> String {
        format!(
            "INSERT INTO tickets (public_code, issued_service_id, service_id, service_date,
            requested_date, rollover_reason, sequence, display_number, holder_name, holder_nik, holder_phone,
            holder_email, channel, issued_at, booked_by_staff, priority, queue_key)
         {values}
            (SELECT MAX(k) FROM (SELECT ${issued_at} * 1000 AS k
                                 UNION ALL SELECT MAX(queue_key) + 1000 FROM tickets WHERE service_date = ${date}) AS floor)
         {then}
         ON CONFLICT (issued_service_id, service_date, holder_nik)
            WHERE holder_nik IS NOT NULL AND state IN ('waiting', 'called', 'serving')
         DO NOTHING"
        )
    }
}

/// A NIK's active ticket, found when the same NIK books the same service and day again.
pub(crate) struct NikTicket {
    booked: Booked,
    phone: Option<String>,
}

impl NikTicket {
    /// A row of `statements::ACTIVE_TICKET`.
    pub(crate) fn read(row: &(impl ColumnValues + ?Sized)) -> StoreResult<Self> {
        let booked = Booked {
            code: row.text("public_code")?,
            display_number: row.text("display_number")?,
            sequence: u32::try_from(row.number("sequence")?).unwrap_or(0),
            service_date: parse_date(&row.text("service_date")?)?,
            requested_date: parse_date(&row.text("requested_date")?)?,
            rollover: parse_rollover(row.optional_text("rollover_reason")?)?,
            existing: true,
            new_for_today: false,
        };
        Ok(Self { booked, phone: row.optional_text("holder_phone")? })
    }

    /// The ticket goes back only to the phone that holds it, or to staff (who
    /// check the KTP); anyone else who types the NIK learns only that it is taken.
    fn answer_to(self, holder: &Holder, by: &IssuedBy) -> Result<Booked, BookError> {
        let owner = match by.channel {
            Channel::StaffAssisted => true,
            Channel::Online => holder.phone.as_ref().is_some_and(|phone| self.phone.as_deref() == Some(phone.as_str())),
            Channel::WalkIn => false,
        };
        if owner {
            Ok(self.booked)
        } else {
            Err(BookError::Refused(BookingRefusal::NikHeldElsewhere))
        }
    }
}

fn parse_rollover(value: Option<String>) -> StoreResult<Option<RolloverReason>> {
    value
        .map(|json| serde_json::from_str(&json).map_err(|_| StoreError::Corrupt(format!("rollover {json:?}"))))
        .transpose()
}

/// The ticket page: the ticket with its place in the queue.
/// A ticket page's facts, and whose the ticket is (which the page never shows).
pub struct ViewedTicket {
    pub view: TicketView,
    pub holder_phone: Option<String>,
    pub office_id: i64,
    pub service_id: i64,
    pub done_at: Option<DateTime<Utc>>,
    /// The rating its holder gave, once finished.
    pub rating: Option<Rating>,
}

pub async fn view(db: &Db, code: &str) -> StoreResult<Option<ViewedTicket>> {
    let row = sqlx::query(&format!(
        "SELECT t.public_code, t.display_number, t.service_date, t.requested_date, t.rollover_reason,
            t.state, t.channel, t.holder_name, t.holder_phone, t.cancel_reason, t.service_id, t.priority, t.done_at,
            (SELECT f.rating FROM feedback f WHERE f.ticket_id = t.id) AS rating,
            s.prefix, s.name_id, s.name_en, o.id AS office_id, o.slug, o.name AS office_name,
            (SELECT c.name FROM counters c WHERE c.id = t.counter_id) AS counter,
            (SELECT COUNT(*) FROM tickets w WHERE w.service_id = t.service_id
               AND w.service_date = t.service_date AND w.state = 'waiting'
               AND (w.queue_key < t.queue_key OR (w.queue_key = t.queue_key AND w.id < t.id))) AS ahead,
            (SELECT c.display_number FROM tickets c WHERE c.service_id = t.service_id
               AND c.service_date = t.service_date AND c.state IN {at_counter}
             ORDER BY c.called_at DESC LIMIT 1) AS now_calling
         FROM tickets t
         JOIN services s ON s.id = t.service_id
         JOIN offices o ON o.id = s.office_id
         WHERE t.public_code = $1",
        at_counter = AT_COUNTER.as_str()
    ))
    .bind(code)
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };

    let state_name: String = row.col("state")?;
    let state = TicketState::parse(&state_name).ok_or_else(|| StoreError::Corrupt(format!("state {state_name:?}")))?;
    let channel_name: String = row.col("channel")?;
    let channel =
        Channel::parse(&channel_name).ok_or_else(|| StoreError::Corrupt(format!("channel {channel_name:?}")))?;
    let ahead = u32::try_from(row.col::<i64>("ahead")?).unwrap_or(0);
    let view = TicketView {
        code: row.col("public_code")?,
        display_number: row.col("display_number")?,
        office_slug: row.col("slug")?,
        office_name: row.col("office_name")?,
        service_prefix: row.col("prefix")?,
        service_name_id: row.col("name_id")?,
        service_name_en: row.col("name_en")?,
        service_date: parse_date(row.col("service_date")?)?,
        requested_date: parse_date(row.col("requested_date")?)?,
        rollover: parse_rollover(row.col("rollover_reason")?)?,
        state,
        channel,
        holder_name: row.col("holder_name")?,
        people_ahead: people_ahead(state, ahead),
        now_calling: row.col("now_calling")?,
        cancel_reason: row.col::<Option<String>>("cancel_reason")?.as_deref().and_then(CancelReason::parse),
        counter: row.col("counter")?,
        estimate: None,
        priority: row.col::<Option<String>>("priority")?.as_deref().and_then(PriorityCategory::parse),
        feedback: FeedbackState::Closed,
    };
    Ok(Some(ViewedTicket {
        view,
        holder_phone: row.col("holder_phone")?,
        office_id: row.col("office_id")?,
        service_id: row.col("service_id")?,
        done_at: row.col::<Option<i64>>("done_at")?.and_then(DateTime::from_timestamp_millis),
        rating: row.col::<Option<i64>>("rating")?.and_then(Rating::from_stored),
    }))
}

/// Days of finished tickets the estimate of a call learns from.
const ESTIMATE_HISTORY_DAYS: u64 = 7;

/// The time counters spent on the service's latest tickets (see
/// `domain::estimate`). A recalled ticket counts from its last call.
pub(crate) async fn service_times<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    service_id: i64,
    today: NaiveDate,
) -> StoreResult<Option<ServiceTimes>> {
    let since = today.checked_sub_days(Days::new(ESTIMATE_HISTORY_DAYS)).unwrap_or(today);
    let millis: Vec<i64> = sqlx::query_scalar(
        "SELECT COALESCE(done_at, no_show_at) - called_at FROM tickets
         WHERE service_id = $1 AND service_date BETWEEN $2 AND $3
           AND state IN ('done', 'no_show') AND called_at IS NOT NULL
         ORDER BY COALESCE(done_at, no_show_at) DESC LIMIT $4",
    )
    .bind(service_id)
    .bind(since.to_string())
    .bind(today.to_string())
    .bind(HISTORY as i64)
    .fetch_all(executor)
    .await?;
    Ok(ServiceTimes::from_latest(millis.into_iter().map(|ms| ms / 1000)))
}

/// When a waiting ticket of `service_id` on `date` with `ahead` people before
/// it will likely be called; `None` for a day gone by.
pub async fn call_estimate(
    db: &Db,
    office: &Office,
    service_id: i64,
    date: NaiveDate,
    ahead: u32,
    now: DateTime<Utc>,
) -> StoreResult<Option<CallEstimate>> {
    let today = office.zone.local(now).date();
    if date < today {
        return Ok(None);
    }
    let opens = office.calendar.hours().on(date).map(|hours| office.zone.instant(date.and_time(hours.opens)));
    let start = opens.map_or(now, |opens| opens.max(now));
    let times = service_times(db.reader(), service_id, today).await?;
    let counters = super::counters::calling_service(db.reader(), service_id, date == today).await?;
    Ok(Some(Place { start, ahead, counters }.estimate(times.as_ref(), office.zone)))
}

#[derive(Debug, Error)]
pub enum ActionError {
    #[error("no such ticket")]
    NotFound,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ActionError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

/// A move with what it carries beyond the rules: the counter that calls, the
/// place a requeued no-show takes, the service a transfer goes to, and a
/// cancellation's reason and the staff member who gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketMove {
    Call { counter_id: Option<i64> },
    Recall,
    StartServing,
    Finish,
    MarkNoShow,
    Requeue { queue_key: i64 },
    Transfer { service_id: i64 },
    Cancel { reason: CancelReason, by_staff: Option<i64> },
}

impl TicketMove {
    pub fn action(self) -> TicketAction {
        match self {
            Self::Call { .. } => TicketAction::Call,
            Self::Recall => TicketAction::Recall,
            Self::StartServing => TicketAction::StartServing,
            Self::Finish => TicketAction::Finish,
            Self::MarkNoShow => TicketAction::MarkNoShow,
            Self::Requeue { .. } => TicketAction::Requeue,
            Self::Transfer { .. } => TicketAction::Transfer,
            Self::Cancel { .. } => TicketAction::Cancel,
        }
    }
}

/// The column recording the moment a ticket entered `state`; a ticket put back
/// in a queue keeps its issue time.
fn moment_column(state: TicketState) -> Option<&'static str> {
    match state {
        TicketState::Waiting => None,
        TicketState::Called => Some("called_at"),
        TicketState::Serving => Some("serving_at"),
        TicketState::Done => Some("done_at"),
        TicketState::NoShow => Some("no_show_at"),
        TicketState::Cancelled => Some("cancelled_at"),
    }
}

/// A value of a ticket UPDATE.
enum Value {
    Number(Option<i64>),
    Text(&'static str),
}

/// An UPDATE of one ticket, its values bound in the order they are set.
struct TicketUpdate {
    sql: String,
    values: Vec<Value>,
}

impl TicketUpdate {
    fn set(&mut self, column: &str, value: Value) {
        self.values.push(value);
        self.sql.push_str(&format!(", {column} = ${}", self.values.len()));
    }
}

/// The one writer of a ticket's state: the domain decides the move
/// (`transition`), and this sets the state, the moment, the call count, the
/// counter and what the move carries in one UPDATE that names the state it
/// read, so a concurrent move by someone else makes this one fail instead of
/// overwriting it.
pub(crate) async fn move_ticket(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    from: TicketState,
    wanted: TicketMove,
    now: DateTime<Utc>,
) -> Result<Transition, ActionError> {
    let moved = transition(from, wanted.action())?;
    let mut update =
        TicketUpdate { sql: "UPDATE tickets SET state = $1".into(), values: vec![Value::Text(moved.to.as_str())] };
    if let Some(column) = moment_column(moved.to) {
        update.set(column, Value::Number(Some(millis(now))));
    }
    update.sql.push_str(match moved.calls {
        CallCount::Keep => "",
        CallCount::One => ", call_count = 1",
        CallCount::AddOne => ", call_count = call_count + 1",
        CallCount::Reset => ", call_count = 0",
    });
    match (moved.seat, wanted) {
        (CounterSeat::Take, TicketMove::Call { counter_id }) => update.set("counter_id", Value::Number(counter_id)),
        (CounterSeat::Leave, _) => update.sql.push_str(", counter_id = NULL"),
        _ => {}
    }
    match wanted {
        TicketMove::Requeue { queue_key } => update.set("queue_key", Value::Number(Some(queue_key))),
        TicketMove::Transfer { service_id } => update.set("service_id", Value::Number(Some(service_id))),
        TicketMove::Cancel { reason, by_staff } => {
            update.set("cancel_reason", Value::Text(reason.as_str()));
            update.set("cancelled_by_staff", Value::Number(by_staff));
        }
        _ => {}
    }
    let count = update.values.len();
    update.sql.push_str(&format!(" WHERE id = ${} AND state = ${}", count + 1, count + 2));
    update.values.extend([Value::Number(Some(ticket_id)), Value::Text(from.as_str())]);
    let mut query = sqlx::query(&update.sql);
    for value in update.values {
        query = match value {
            Value::Number(number) => query.bind(number),
            Value::Text(text) => query.bind(text),
        };
    }
    if query.execute(&mut **tx).await?.rows_affected() != 1 {
        return Err(ActionError::Transition(TransitionError { from, action: wanted.action() }));
    }
    // The office's systems hear of the move in the same transaction, so a
    // move never goes untold and nothing is told of a move rolled back.
    if let Some(event) = WebhookEvent::of_move(&moved) {
        super::webhooks::after_move(tx, ticket_id, event, now).await?;
    }
    Ok(moved)
}

/// Moves the ticket with public code `code`, in a transaction of its own.
pub async fn apply(db: &Db, code: &str, wanted: TicketMove, now: DateTime<Utc>) -> Result<TicketState, ActionError> {
    apply_recorded(db, code, wanted, now, None).await
}

/// `apply`, writing `audited` (with the ticket's office) in the same transaction.
async fn apply_recorded(
    db: &Db,
    code: &str,
    wanted: TicketMove,
    now: DateTime<Utc>,
    audited: Option<AuditEntry>,
) -> Result<TicketState, ActionError> {
    let mut tx = db.writer().begin().await?;
    let row = sqlx::query(
        "SELECT t.id, t.state, s.office_id FROM tickets t JOIN services s ON s.id = t.service_id
         WHERE t.public_code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ActionError::NotFound)?;
    let state: String = row.col("state")?;
    let from = TicketState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
    let moved = move_ticket(&mut tx, row.col("id")?, from, wanted, now).await?;
    if let Some(entry) = audited {
        super::audit::record(&mut tx, &AuditEntry { office_id: Some(row.col("office_id")?), ..entry }).await?;
    }
    tx.commit().await?;
    Ok(moved.to)
}

/// Where a ticket belongs and whose it is, for permission checks before acting on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketOwnership {
    pub office_id: i64,
    pub holder_phone: Option<String>,
    pub state: TicketState,
    pub service_date: NaiveDate,
}

pub async fn ownership(db: &Db, code: &str) -> StoreResult<Option<TicketOwnership>> {
    let row = sqlx::query(
        "SELECT s.office_id, t.holder_phone, t.state, t.service_date
         FROM tickets t JOIN services s ON s.id = t.service_id WHERE t.public_code = $1",
    )
    .bind(code)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        let state: String = row.col("state")?;
        Ok(TicketOwnership {
            office_id: row.col("office_id")?,
            holder_phone: row.col("holder_phone")?,
            state: TicketState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?,
            service_date: parse_date(row.col("service_date")?)?,
        })
    })
    .transpose()
}

/// Cancels a waiting or called ticket with a reason: by its holder, or by
/// staff (`by`), whom the ticket and the audit log name.
pub async fn cancel(
    db: &Db,
    code: &str,
    reason: CancelReason,
    by: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<(), ActionError> {
    let by_staff = by.map(|by| by.account_id);
    let audited = by.map(|by| {
        let reason = Fields::from([("reason".to_string(), reason.as_str().to_string())]);
        AuditEntry::new(by, None, AuditAction::TicketCancelled, code).with_after(reason)
    });
    apply_recorded(db, code, TicketMove::Cancel { reason, by_staff }, now, audited).await.map(drop)
}

/// A waiting ticket moved off a day its office closed after it was booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub ticket_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub display_number: String,
}

/// How many days after a closed day a moved ticket may land: its office's
/// next working days with room, as a booking of that day would roll.
const MOVE_WITHIN_DAYS: u64 = 60;

/// Moves every waiting ticket of `office` on `date`, which its calendar now
/// closes (a holiday set after they were booked), to the next working day with
/// room: a new place and number there under the quota, the same code, the
/// requested date kept, and the closing as the rollover reason. A ticket with
/// no room within `MOVE_WITHIN_DAYS` stays where it is (its holder can still
/// cancel it). One transaction, so no place is taken twice.
pub async fn move_off_closed_day(
    db: &Db,
    office: &Office,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Moved>> {
    let crate::domain::calendar::DayStatus::Closed(closed) = office.calendar.status(date) else {
        return Ok(Vec::new());
    };
    let reason = serde_json::to_string(&RolloverReason::RequestedDayClosed(closed))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut tx = db.writer().begin().await?;
    let tickets = sqlx::query(
        "SELECT t.id, t.issued_service_id, s.prefix FROM tickets t JOIN services s ON s.id = t.issued_service_id
         WHERE s.office_id = $1 AND t.service_date = $2 AND t.state = 'waiting' ORDER BY t.sequence",
    )
    .bind(office.id)
    .bind(date.to_string())
    .fetch_all(&mut *tx)
    .await?;
    let released_until = now - chrono::Duration::minutes(office.release_delay_minutes.into());
    let mut moved = Vec::new();
    for ticket in &tickets {
        let (id, service_id): (i64, i64) = (ticket.col("id")?, ticket.col("issued_service_id")?);
        let prefix: String = ticket.col("prefix")?;
        let prefix = ServicePrefix::parse(&prefix).ok_or_else(|| StoreError::Corrupt(format!("prefix {prefix:?}")))?;
        let working_days = (1..=MOVE_WITHIN_DAYS)
            .filter_map(|days| date.checked_add_days(chrono::Days::new(days)))
            .filter(|day| matches!(office.calendar.status(*day), crate::domain::calendar::DayStatus::Open(_)));
        for day in working_days {
            let claim = Claim { service_id, date: day, released_until, kept: 0 };
            let Some(sequence) = tx.claim_place(&claim).await? else { continue };
            let number = display_number(prefix, sequence);
            // A savepoint: the holder's NIK may already hold a number that day.
            let mut update = sqlx::Connection::begin(&mut *tx).await?;
            let updated = sqlx::query(
                "UPDATE tickets SET service_date = $2, sequence = $3, display_number = $4, rollover_reason = $5,
                    queue_key = (SELECT COALESCE(MAX(queue_key), 0) + 1000 FROM tickets WHERE service_date = $2)
                 WHERE id = $1",
            )
            .bind(id)
            .bind(day.to_string())
            .bind(i64::from(sequence))
            .bind(&number)
            .bind(&reason)
            .execute(&mut *update)
            .await;
            match updated {
                Ok(_) => {
                    update.commit().await?;
                    moved.push(Moved { ticket_id: id, from: date, to: day, display_number: number });
                    break;
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    update.rollback().await?;
                    tx.release_place(&claim, sequence).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    tx.commit().await?;
    Ok(moved)
}

/// How many numbers the account (a kiosk, staff) issued after `since`.
pub async fn issued_by_since(db: &Db, account_id: i64, since: DateTime<Utc>) -> StoreResult<u32> {
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE booked_by_staff = $1 AND issued_at > $2")
        .bind(account_id)
        .bind(millis(since))
        .fetch_one(db.reader())
        .await?;
    Ok(u32::try_from(issued).unwrap_or(u32::MAX))
}

/// Every ticket held with a phone number, newest date first.
pub async fn of_phone(db: &Db, phone: &str, today: NaiveDate) -> StoreResult<Vec<MyTicket>> {
    let rows = sqlx::query(
        "SELECT t.public_code, t.display_number, t.service_date, t.state, t.cancel_reason,
            o.name AS office_name, s.name_id, s.name_en
         FROM tickets t JOIN services s ON s.id = t.service_id JOIN offices o ON o.id = s.office_id
         WHERE t.holder_phone = $1 ORDER BY t.service_date DESC, t.id DESC LIMIT 200",
    )
    .bind(phone)
    .fetch_all(db.reader())
    .await?;
    rows.into_iter()
        .map(|row| {
            let state: String = row.col("state")?;
            let state = TicketState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
            let service_date = parse_date(row.col("service_date")?)?;
            Ok(MyTicket {
                code: row.col("public_code")?,
                display_number: row.col("display_number")?,
                office_name: row.col("office_name")?,
                service_name_id: row.col("name_id")?,
                service_name_en: row.col("name_en")?,
                service_date,
                state,
                cancel_reason: row.col::<Option<String>>("cancel_reason")?.as_deref().and_then(CancelReason::parse),
                cancellable: state == TicketState::Waiting && service_date >= today,
            })
        })
        .collect()
}

/// Every ticket of the office for service dates `from` to `until`, as the
/// report reads them.
pub async fn report_facts(
    db: &Db,
    office: &Office,
    from: NaiveDate,
    until: NaiveDate,
) -> StoreResult<Vec<crate::domain::report::TicketFacts>> {
    let rows = sqlx::query(
        "SELECT s.prefix, t.service_date, t.requested_date, t.channel, t.state, t.issued_at, t.serving_at, t.done_at,
            t.no_show_at,
            t.cancelled_at, t.priority, c.name AS counter,
            (SELECT f.rating FROM feedback f WHERE f.ticket_id = t.id) AS rating,
            (SELECT MIN(k.called_at) FROM calls k WHERE k.ticket_id = t.id) AS first_called_at
         FROM tickets t
         JOIN services s ON s.id = t.service_id
         LEFT JOIN counters c ON c.id = t.counter_id
         WHERE s.office_id = $1 AND t.service_date BETWEEN $2 AND $3
         ORDER BY s.prefix, t.service_date, t.queue_key, t.id",
    )
    .bind(office.id)
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_all(db.reader())
    .await?;
    let instant = |row: &AnyRow, column: &'static str| -> StoreResult<_> {
        Ok(row.col::<Option<i64>>(column)?.and_then(DateTime::from_timestamp_millis))
    };
    rows.iter()
        .map(|row| {
            let (channel, state): (String, String) = (row.col("channel")?, row.col("state")?);
            let service_date = parse_date(row.col("service_date")?)?;
            let issued_at = instant(row, "issued_at")?.ok_or_else(|| StoreError::Corrupt("issued_at".into()))?;
            let first_called_at = instant(row, "first_called_at")?;
            let requested: String = row.col("requested_date")?;
            Ok(crate::domain::report::TicketFacts {
                service: row.col("prefix")?,
                service_date,
                channel: Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(format!("channel {channel:?}")))?,
                state: TicketState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?,
                same_day: office.zone.local(issued_at).date() == service_date,
                issued_at,
                first_called_at,
                first_called_local: first_called_at.map(|at| office.zone.local(at)),
                serving_at: instant(row, "serving_at")?,
                done_at: instant(row, "done_at")?,
                no_show_at: instant(row, "no_show_at")?,
                cancelled_at: instant(row, "cancelled_at")?,
                counter: row.col("counter")?,
                priority: row.col::<Option<String>>("priority")?.is_some(),
                rating: row.col::<Option<i64>>("rating")?.and_then(|r| u8::try_from(r).ok()),
                rolled_over: parse_date(&requested)? != service_date,
            })
        })
        .collect()
}
