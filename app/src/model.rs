//! What the server sends to the browser: read models of offices, services and
//! tickets. These serde types are the only wire format between server and WASM.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::booking::RolloverReason;
use crate::domain::calendar::OfficeZone;
use crate::domain::estimate::CallEstimate;
use crate::domain::feedback::FeedbackState;
use crate::domain::priority::PriorityCategory;
use crate::domain::ticket::{CancelReason, Channel, TicketState};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeSummary {
    pub slug: String,
    pub name: String,
    pub address: String,
}

/// One service as a citizen sees it on the office page: a "loket" choice with
/// how many people are waiting and which number is being called.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceQueue {
    pub prefix: String,
    pub name_id: String,
    pub name_en: String,
    pub counters: Vec<String>,
    pub waiting: u32,
    pub now_calling: Option<String>,
    pub issued_today: u32,
    pub daily_quota: u32,
    /// Who takes its numbers: a walk-in service has no booking button.
    pub channels: crate::domain::office::ServiceChannels,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeView {
    pub slug: String,
    pub name: String,
    pub address: String,
    pub zone: String,
    pub today: NaiveDate,
    pub open_now: bool,
    /// Today's opening hours as "08:00–15:00", or `None` when closed all day.
    pub hours_today: Option<String>,
    pub last_bookable: NaiveDate,
    pub services: Vec<ServiceQueue>,
    /// The categories the office serves first; the kiosk and the staff desk offer them.
    pub priority_categories: Vec<PriorityCategory>,
    /// Online booking may declare one of them too.
    pub priority_online: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub code: String,
    pub display_number: String,
    pub office_slug: String,
    pub office_name: String,
    pub service_prefix: String,
    pub service_name_id: String,
    pub service_name_en: String,
    pub service_date: NaiveDate,
    pub requested_date: NaiveDate,
    pub rollover: Option<RolloverReason>,
    pub state: TicketState,
    pub channel: Channel,
    pub holder_name: Option<String>,
    /// Waiting tickets of the same service and date with a smaller sequence.
    pub people_ahead: u32,
    pub now_calling: Option<String>,
    pub cancel_reason: Option<CancelReason>,
    /// The counter the ticket was called to, once called.
    pub counter: Option<String>,
    /// When a waiting ticket will likely be called.
    pub estimate: Option<CallEstimate>,
    pub priority: Option<PriorityCategory>,
    /// Whether its holder may rate the service now, or the rating given.
    pub feedback: FeedbackState,
}

/// One call of a number to a counter, as display boards and phones show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallView {
    pub display_number: String,
    pub service_prefix: String,
    pub counter: String,
    pub at: DateTime<Utc>,
    pub recall: bool,
    /// The priority category the called ticket is served first for.
    pub priority: Option<PriorityCategory>,
}

/// A counter and the number it is calling or serving now, for display boards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterNow {
    pub counter: String,
    pub now_calling: Option<String>,
    /// Open and calling (not paused or closed).
    pub open: bool,
}

/// What the live connection of an office carries. A client gets a snapshot when
/// it (re)connects, then changes; so a reconnected client is never out of date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LiveMessage {
    Snapshot {
        services: Vec<ServiceQueue>,
        counters: Vec<CounterNow>,
        recent_calls: Vec<CallView>,
    },
    /// What changed since the last message, in one message so that every
    /// screen's socket is written once: the services whose summary changed,
    /// and all the counters when one of them changed (opened, paused, closed,
    /// or let its number go).
    Changed {
        services: Vec<ServiceQueue>,
        counters: Option<Vec<CounterNow>>,
    },
    /// A call, with the services it changed (so no separate count update
    /// follows). The calling counter shows the called number from now on.
    Called {
        call: CallView,
        services: Vec<ServiceQueue>,
    },
}

/// A ticket in the counter console's lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleTicket {
    pub code: String,
    pub display_number: String,
    pub service_prefix: String,
    pub holder_name: Option<String>,
    pub channel: Channel,
    pub state: TicketState,
    pub call_count: u32,
    pub issued_at: DateTime<Utc>,
    pub priority: Option<PriorityCategory>,
}

/// Everything the counter console shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleView {
    pub counter_id: i64,
    pub counter: String,
    pub office_slug: String,
    pub office_name: String,
    pub status: crate::domain::counter::CounterStatus,
    pub services: Vec<String>,
    pub current: Option<ConsoleTicket>,
    pub waiting: Vec<ConsoleTicket>,
    pub no_shows: Vec<ConsoleTicket>,
    pub served_today: u32,
    pub max_calls: u32,
    /// Every service of the office, for transfers: (prefix, name).
    pub transfer_to: Vec<(String, String)>,
    /// The server's clock when this was read, for waiting times.
    pub now: DateTime<Utc>,
}

/// A counter as the staff desk lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterSummary {
    pub id: i64,
    pub name: String,
    pub status: crate::domain::counter::CounterStatus,
    pub services: Vec<String>,
}

/// One of the signed-in citizen's tickets, for "Tiket saya".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyTicket {
    pub code: String,
    pub display_number: String,
    pub office_name: String,
    pub service_name_id: String,
    pub service_name_en: String,
    pub service_date: NaiveDate,
    pub state: TicketState,
    pub cancel_reason: Option<CancelReason>,
    /// Whether the citizen may still cancel it (waiting, today or later).
    pub cancellable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyTickets {
    pub today: NaiveDate,
    pub tickets: Vec<MyTicket>,
}

/// Who is looking at the page, for the header and for forms that depend on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Viewer {
    Anonymous,
    Citizen { phone: String },
    Staff { name: String, role: crate::domain::access::Role },
}

/// A pending code request, for the code page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeRequestView {
    pub masked_phone: String,
    pub for_booking: bool,
}

/// What a staff member may work with: their offices and each office's services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffDesk {
    pub name: String,
    pub role: crate::domain::access::Role,
    pub offices: Vec<OfficeView>,
    /// Per office (slug, name): its counters.
    pub counters: Vec<(String, String, Vec<CounterSummary>)>,
    /// The password was made by the system: nothing else works until it is changed.
    pub must_change_password: bool,
    /// Wrong passwords typed for this account lately, newest first: when, and from where.
    pub failed_sign_ins: Vec<(DateTime<Utc>, String)>,
}

/// A call the signed-in citizen received, for the "Panggilan" tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedCall {
    pub display_number: String,
    pub office_name: String,
    pub counter: String,
    /// When, on the office's clock ("23/11 10:05").
    pub local_time: String,
    pub recall: bool,
    pub ticket_code: String,
}

/// How many of the last calls a display board lists.
pub const RECENT_CALLS: usize = 6;

/// A display board's data: the office, each counter's number, the last
/// calls, the queue of each service and the admin's announcement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardView {
    pub office_slug: String,
    pub office_name: String,
    /// The board shows the office's time whatever the device's zone.
    pub zone: OfficeZone,
    pub counters: Vec<CounterNow>,
    pub recent_calls: Vec<CallView>,
    pub services: Vec<ServiceQueue>,
    pub announcement: String,
}

/// A walk-in receipt: the ticket, when it was printed, and a QR code of its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptView {
    pub ticket: TicketView,
    pub printed_at: String,
    pub qr_svg: String,
}

/// One row of the admin's account list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: crate::domain::access::Role,
    /// `None` for an admin of every office.
    pub office_name: Option<String>,
    pub active: bool,
    pub locked: bool,
}

/// The account admin page: the accounts this admin manages and where they may place new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsView {
    pub accounts: Vec<AccountRow>,
    /// (slug, name) of the offices new accounts may belong to.
    pub offices: Vec<(String, String)>,
    /// Whether this admin runs every office (and so may create admins of all offices).
    pub all_offices: bool,
    /// The admin's own account, which they cannot disable.
    pub me: i64,
}

/// A password shown once: to the admin who created or reset the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitialPassword {
    pub username: String,
    /// `None` when the admin chose the password themselves.
    pub password: Option<String>,
}

/// The office settings page of an admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeSettingsView {
    pub slug: String,
    pub name: String,
    pub address: String,
    /// IANA name: Asia/Jakarta, Asia/Makassar or Asia/Jayapura.
    pub zone: String,
    pub max_calls: u32,
    pub requeue_after: u32,
    pub phone_office_day_cap: u32,
    pub phone_upcoming_cap: u32,
    /// Minutes before a cancelled number's place is bookable again.
    pub release_delay: u32,
    /// The hour (office time) of the evening reminders.
    pub reminder_hour: u32,
    pub board_announcement: String,
    pub priority: crate::domain::priority::PriorityPolicy,
    /// Monday first; `None` for a closed weekday, else ("08:00", "15:00").
    pub hours: Vec<Option<(String, String)>>,
    pub today: NaiveDate,
    /// Holidays from today on: (date, name).
    pub holidays: Vec<(NaiveDate, String)>,
    pub services: Vec<ServiceSettingsRow>,
    pub counters: Vec<CounterSettingsRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSettingsRow {
    pub id: i64,
    pub prefix: String,
    pub name_id: String,
    pub name_en: String,
    pub daily_quota: u32,
    pub horizon_days: u32,
    pub active: bool,
    pub channels: crate::domain::office::ServiceChannels,
    pub walk_in_reserve: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterSettingsRow {
    pub id: i64,
    pub name: String,
    pub service_ids: Vec<i64>,
    /// Calls were made from it, so it cannot be removed.
    pub in_use: bool,
}

/// The offices an admin configures, and whether they may create new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOfficesView {
    /// (slug, name)
    pub offices: Vec<(String, String)>,
    pub may_create: bool,
}

/// An office's report for a period of service dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub slug: String,
    pub office_name: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// (letter, Indonesian name, English name) of every service, inactive ones included.
    pub service_names: Vec<(String, String, String)>,
    pub report: crate::domain::report::Report,
    /// The comments given with ratings, newest first.
    pub comments: Vec<crate::domain::feedback::FeedbackNote>,
}

impl ReportView {
    /// "A — Pendaftaran Tanah": a service's letter and name in `lang`.
    pub fn service_label(&self, letter: &str, lang: crate::i18n::Lang) -> String {
        match self.service_names.iter().find(|(l, _, _)| l == letter) {
            Some((_, id, en)) => format!("{letter} — {}", if lang == crate::i18n::Lang::En { en } else { id }),
            None => letter.to_string(),
        }
    }

    /// The report as CSV for spreadsheets: a line per service, per day and per
    /// counter, then the total. Averages are in whole minutes, empty when none.
    pub fn to_csv(&self, lang: crate::i18n::Lang) -> String {
        use crate::domain::report::{whole_minutes, Tally};
        use crate::i18n::{admin_text, AdminText::*, REPORT_COLUMNS};
        let field = csv_field;

        let minutes = |seconds: Option<u32>| seconds.map(|s| whole_minutes(s).to_string()).unwrap_or_default();
        let tenths = |tenths: u32| format!("{}.{}", tenths / 10, tenths % 10);
        let mut lines = Vec::new();
        let mut heading = vec![field(&format!("{} {} – {}", self.office_name, self.from, self.until)), String::new()];
        heading.extend(REPORT_COLUMNS.iter().map(|text| field(admin_text(lang, *text))));
        lines.push(heading.join(","));
        let mut line = |part: &str, name: &str, tally: &Tally| {
            let mut cells = vec![field(part), field(name)];
            cells.extend(tally.counts().iter().map(u32::to_string));
            cells.extend(tally.times().into_iter().map(minutes));
            cells.push(minutes(tally.average_estimate_error));
            cells.push(tally.average_rating_tenths.map(tenths).unwrap_or_default());
            cells.push(tally.ratings.to_string());
            lines.push(cells.join(","));
        };
        for (letter, tally) in &self.report.services {
            line(admin_text(lang, ColumnService), &self.service_label(letter, lang), tally);
        }
        for (day, tally) in &self.report.days {
            line(admin_text(lang, ColumnDate), &day.to_string(), tally);
        }
        for (counter, tally) in &self.report.counters {
            line(admin_text(lang, ColumnCounter), counter, tally);
        }
        line("Total", "", &self.report.total);
        lines.join("\r\n") + "\r\n"
    }
}

/// A change's fields on one line: "quota=200; name=Loket 1".
pub fn fields_line(fields: &crate::domain::audit::Fields) -> String {
    fields.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
}

/// Audit entries as CSV, times in `zone`, newest first as listed.
pub fn audit_csv(lang: crate::i18n::Lang, zone: OfficeZone, entries: &[AuditRow]) -> String {
    use crate::domain::audit::AuditAction;
    use crate::i18n::{admin_text, audit_action_name, AdminText::*};
    let heading =
        [AuditWhen, AuditOffice, AuditAccount, AuditAddress, AuditAction, AuditObject, AuditBefore, AuditAfter];
    let mut lines = vec![heading.map(|text| csv_field(admin_text(lang, text))).join(",")];
    for entry in entries {
        let action = AuditAction::parse(&entry.action).map_or(entry.action.as_str(), |a| audit_action_name(lang, a));
        let when = format!("{} {}", zone.local(entry.at).format("%Y-%m-%d %H:%M:%S"), zone.abbreviation());
        let account = if entry.account.is_empty() { admin_text(lang, AuditSystem) } else { &entry.account };
        let cells = [
            when.as_str(),
            &entry.office_name,
            account,
            &entry.address,
            action,
            &entry.object,
            &fields_line(&entry.before),
            &fields_line(&entry.after),
        ];
        lines.push(cells.map(csv_field).join(","));
    }
    lines.join("\r\n") + "\r\n"
}

/// A text cell of a CSV file. A cell a spreadsheet would read as a formula (it
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading
/// `'`, so a counter or office named `=HYPERLINK(…)` stays text; cells with a
/// separator, quote or line break are quoted.
pub fn csv_field(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn a_csv_cell_never_reads_as_a_formula() {
        assert_eq!(csv_field("Loket 1"), "Loket 1");
        assert_eq!(
            csv_field("=HYPERLINK(\"https://jahat.example\")"),
            "\"'=HYPERLINK(\"\"https://jahat.example\"\")\""
        );
        for formula in ["+1", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_field(formula).trim_start_matches('"').starts_with('\''), "{formula:?}");
        }
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("2026-11-23"), "2026-11-23");
    }
}

/// One channel of an office's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxChannel {
    pub channel: crate::domain::notify::Channel,
    pub unsent: u64,
    /// When the oldest unsent notice was written.
    pub oldest_unsent: Option<DateTime<Utc>>,
    pub failed: u64,
    /// Since this server instance started (all offices).
    pub sent_here: u64,
    pub failed_tries_here: u64,
}

/// A notice given up on, with what went wrong last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedNoticeView {
    pub id: i64,
    pub channel: crate::domain::notify::Channel,
    pub moment: String,
    pub display_number: String,
    pub attempts: u32,
    pub last_error: String,
    pub failed_at: DateTime<Utc>,
}

/// An office's outbox for its admins: what waits to be sent, and what failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxView {
    pub slug: String,
    pub office_name: String,
    pub zone: crate::domain::calendar::OfficeZone,
    pub channels: Vec<OutboxChannel>,
    pub failures: Vec<FailedNoticeView>,
}

/// An office's API keys for its admins; never the keys themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeysView {
    pub slug: String,
    pub office_name: String,
    pub zone: crate::domain::calendar::OfficeZone,
    /// Live keys first, newest first.
    pub keys: Vec<ApiKeyRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: i64,
    pub label: String,
    /// The key's first characters, to tell keys apart.
    pub shown: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key just created: the only time its text leaves the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub label: String,
    pub key: String,
}

/// One entry of the audit log as an admin reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: DateTime<Utc>,
    /// Empty for what concerns no one office.
    pub office_name: String,
    pub account: String,
    pub address: String,
    /// The stored action name (`domain::audit::AuditAction::as_str`).
    pub action: String,
    pub object: String,
    pub before: crate::domain::audit::Fields,
    pub after: crate::domain::audit::Fields,
}

/// A page of the audit log, for one office or (for a global admin) all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    /// The office shown; empty for all offices.
    pub office: String,
    /// The offices the caller may choose from: (slug, name).
    pub offices: Vec<(String, String)>,
    pub zone: OfficeZone,
    pub entries: Vec<AuditRow>,
    pub page: u32,
    pub more: bool,
    /// The filter as a query string (`office=…&action=…`), for page links and the download.
    pub filter_query: String,
    pub retention_days: u32,
    /// Only a global admin sets how long entries are kept.
    pub may_set_retention: bool,
}

/// An office's webhooks for its admins (see `api::webhooks`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhooksView {
    pub slug: String,
    pub office_name: String,
    pub zone: crate::domain::calendar::OfficeZone,
    pub webhooks: Vec<WebhookView>,
    /// The secret of a webhook just made or given a new one, on the one page
    /// that shows it.
    pub revealed: Option<RevealedSecret>,
    pub may_add: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub events: Vec<crate::domain::webhook::WebhookEvent>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// `HTTP 200`, `HTTP 503` or the connection's error.
    pub last_result: Option<String>,
    pub last_ok: Option<bool>,
    pub pending: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedSecret {
    pub webhook: i64,
    pub secret: String,
}

/// A webhook just made, or given a new secret: the secret is in the answer
/// to a caller that is not a browser's form (which sees it on the page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecret {
    pub webhook: i64,
    pub secret: Option<String>,
}
