//! When a citizen hears from us, and what we say. A ticket holder is told once
//! when only a few people are ahead of them (time to come back to the hall), and
//! each time their number is called, through every channel they gave us: SMS
//! to their phone and email. Each notice is sent at most once per moment, so a
//! retry or a second counter never doubles a message.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::OfficeZone;
use super::ticket::CancelReason;
use crate::i18n::{cancel_reason_name, long_date, Lang};

/// "Almost your turn" goes out when this many people or fewer are ahead.
pub const NEAR: u32 = 5;

/// Sending stops after this many failed tries; the notice is then marked failed.
pub const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    Sms,
    Email,
    /// Web push to a browser the holder subscribed.
    Push,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Push => "push",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Sms, Self::Email, Self::Push].into_iter().find(|c| c.as_str() == value)
    }
}

/// The moment a notice is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moment {
    /// `ahead` people are ahead (at most `NEAR`).
    Near { ahead: u32 },
    /// Called to `counter`; `call` counts the calls (2 and 3 are recalls).
    Called { counter: String, call: u32 },
    /// The evening before the booked `date`: what is booked, and a link that
    /// cancels it in one tap (after a confirmation).
    Reminder { service: String, date: NaiveDate, cancel_link: String },
    /// Staff cancelled the ticket, for this reason.
    Cancelled { reason: CancelReason },
    /// The office closed on the booked day `from` (`why`: the holiday) after
    /// the booking: the ticket now stands on `to`, with a new number.
    Moved { from: NaiveDate, to: NaiveDate, why: String },
}

impl Moment {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Near { .. } => "near",
            Self::Called { .. } => "called",
            Self::Reminder { .. } => "reminder",
            Self::Cancelled { .. } => "cancelled",
            Self::Moved { .. } => "moved",
        }
    }

    /// Which call a notice belongs to, so each call is told once and "near" once.
    pub fn call_number(&self) -> u32 {
        match self {
            Self::Called { call, .. } => *call,
            _ => 0,
        }
    }
}

/// The evening reminders due now at an office: for tickets of `for_date` taken
/// before `due_at` (one booked after the reminder hour for the next day needs
/// none). Their cancel links stop working when `for_date` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRound {
    pub for_date: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub links_expire_at: DateTime<Utc>,
}

/// The reminder round at an office whose reminders go out at `hour` office
/// time, if its hour has come today; it lasts until midnight, so a server
/// that was down at the hour still sends them when it is back.
pub fn reminder_round(zone: OfficeZone, hour: u32, now: DateTime<Utc>) -> Option<ReminderRound> {
    let local = zone.local(now);
    if local.hour() < hour {
        return None;
    }
    let today = local.date();
    let for_date = today.checked_add_days(Days::new(1))?;
    let after = for_date.checked_add_days(Days::new(1))?;
    Some(ReminderRound {
        for_date,
        due_at: zone.instant(today.and_time(NaiveTime::from_hms_opt(hour, 0, 0)?)),
        links_expire_at: zone.instant(after.and_time(NaiveTime::MIN)),
    })
}

/// The waiting line of one service, front first: which tickets are now due an
/// "almost your turn" notice. `told[i]` says whether the ticket `i` places from
/// the front was already told.
pub fn due_near(told: &[bool]) -> Vec<(usize, Moment)> {
    told.iter()
        .enumerate()
        .take(NEAR as usize + 1)
        .filter(|(_, told)| !**told)
        .map(|(ahead, _)| (ahead, Moment::Near { ahead: ahead as u32 }))
        .collect()
}

/// What the ticket is, for the wording of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About<'a> {
    pub display_number: &'a str,
    pub office: &'a str,
    /// The live ticket page.
    pub link: &'a str,
}

/// The SMS: short, in Bahasa Indonesia (one segment where it can).
pub fn sms_text(moment: &Moment, about: &About) -> String {
    match moment {
        Moment::Near { ahead: 0 } => {
            format!(
                "Antrean {}: Anda berikutnya di {}. Mohon bersiap. {}",
                about.display_number, about.office, about.link
            )
        }
        Moment::Near { ahead } => format!(
            "Antrean {}: {ahead} orang lagi sebelum giliran Anda di {}. Mohon kembali ke ruang tunggu. {}",
            about.display_number, about.office, about.link
        ),
        Moment::Called { counter, call: 1 } => {
            format!("Antrean {}: giliran Anda. Silakan menuju {counter}, {}.", about.display_number, about.office)
        }
        Moment::Called { counter, call } => format!(
            "Antrean {}: panggilan ke-{call}. Silakan segera menuju {counter}, {}.",
            about.display_number, about.office
        ),
        Moment::Reminder { service, date, cancel_link } => format!(
            "Antrean {}: pengingat {service}, {}, {}. Tidak jadi datang? Batalkan: {cancel_link}",
            about.display_number,
            long_date(Lang::Id, *date),
            about.office
        ),
        Moment::Moved { from, to, why } => format!(
            "{} tutup pada {} ({why}). Antrean Anda dipindah ke {}, nomor {}. {}",
            about.office,
            long_date(Lang::Id, *from),
            long_date(Lang::Id, *to),
            about.display_number,
            about.link
        ),
        Moment::Cancelled { reason } => format!(
            "Antrean {} di {} dibatalkan petugas: {}. {}",
            about.display_number,
            about.office,
            cancel_reason_name(Lang::Id, *reason),
            about.link
        ),
    }
}

/// The email: subject and plain-text body, in Bahasa Indonesia with English below.
pub fn email(moment: &Moment, about: &About) -> (String, String) {
    let (subject, id, en) = match moment {
        Moment::Near { ahead: 0 } => (
            format!("Antrean {}: Anda berikutnya", about.display_number),
            "Anda berikutnya. Mohon bersiap di ruang tunggu.".to_string(),
            "You are next. Please be ready in the waiting hall.".to_string(),
        ),
        Moment::Near { ahead } => (
            format!("Antrean {}: hampir giliran Anda", about.display_number),
            format!("{ahead} orang lagi sebelum giliran Anda. Mohon kembali ke ruang tunggu."),
            format!("{ahead} people are ahead of you. Please come back to the waiting hall."),
        ),
        Moment::Called { counter, .. } => (
            format!("Antrean {}: giliran Anda di {counter}", about.display_number),
            format!("Nomor Anda dipanggil. Silakan menuju {counter}."),
            format!("Your number is called. Please go to {counter}."),
        ),
        Moment::Reminder { service, date, cancel_link } => (
            format!("Antrean {}: pengingat untuk {}", about.display_number, long_date(Lang::Id, *date)),
            format!(
                "Pengingat: {service} pada {}. Tidak jadi datang? Batalkan nomor ini agar tempatnya dapat \
                 dipakai warga lain: {cancel_link}",
                long_date(Lang::Id, *date)
            ),
            format!(
                "Reminder: {service} on {}. Not coming? Cancel this number so someone else can have the place: \
                 {cancel_link}",
                long_date(Lang::En, *date)
            ),
        ),
        Moment::Moved { from, to, why } => (
            format!("Antrean {}: dipindah ke {}", about.display_number, long_date(Lang::Id, *to)),
            format!(
                "Kantor tutup pada {} ({why}). Antrean Anda dipindah ke {} dengan nomor {}.",
                long_date(Lang::Id, *from),
                long_date(Lang::Id, *to),
                about.display_number
            ),
            format!(
                "The office is closed on {} ({why}). Your booking moved to {} with number {}.",
                long_date(Lang::En, *from),
                long_date(Lang::En, *to),
                about.display_number
            ),
        ),
        Moment::Cancelled { reason } => (
            format!("Antrean {}: dibatalkan petugas", about.display_number),
            format!("Nomor ini dibatalkan oleh petugas. Alasan: {}.", cancel_reason_name(Lang::Id, *reason)),
            format!("This number was cancelled by staff. Reason: {}.", cancel_reason_name(Lang::En, *reason)),
        ),
    };
    let body = format!(
        "Nomor antrean / queue number: {}\n{}\n\n{id}\n\n{en}\n\nIkuti antrean / follow the queue: {}\n",
        about.display_number, about.office, about.link
    );
    (subject, body)
}

/// A web push message: the service worker shows it as a notification that opens the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushMessage {
    pub title: String,
    pub body: String,
    pub url: String,
    /// One notification per ticket on the device: a newer notice replaces the older.
    pub tag: String,
}

pub fn push_message(moment: &Moment, about: &About) -> PushMessage {
    let body = match moment {
        Moment::Near { ahead: 0 } => "Anda berikutnya. Mohon bersiap.".to_string(),
        Moment::Near { ahead } => format!("{ahead} orang lagi sebelum giliran Anda. Mohon kembali ke ruang tunggu."),
        Moment::Called { counter, call: 1 } => format!("Giliran Anda. Silakan menuju {counter}."),
        Moment::Called { counter, call } => format!("Panggilan ke-{call}. Silakan segera menuju {counter}."),
        Moment::Reminder { service, date, .. } => {
            format!("Pengingat: {service}, {}. Tidak jadi datang? Ketuk untuk membatalkan.", long_date(Lang::Id, *date))
        }
        Moment::Cancelled { reason } => {
            format!("Dibatalkan petugas: {}.", cancel_reason_name(Lang::Id, *reason))
        }
        Moment::Moved { from, to, why } => format!(
            "Kantor tutup pada {} ({why}). Antrean Anda dipindah ke {}.",
            long_date(Lang::Id, *from),
            long_date(Lang::Id, *to)
        ),
    };
    // The reminder opens the page that cancels (after asking); every other
    // notice opens the ticket.
    let url = match moment {
        Moment::Reminder { cancel_link, .. } => cancel_link.clone(),
        _ => about.link.to_string(),
    };
    PushMessage {
        title: format!("Antrean {} — {}", about.display_number, about.office),
        body,
        url,
        tag: format!("antrean-{}", about.display_number),
    }
}

/// When to try again after `attempts` failed tries: none once the limit is reached.
pub fn retry_after_seconds(attempts: u32) -> Option<i64> {
    (attempts < MAX_ATTEMPTS).then(|| 30 * (1 << attempts.min(10)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABOUT: About = About {
        display_number: "A-012",
        office: "Kantor Pertanahan Kota Denpasar",
        link: "https://antrean.example/tiket/ABCDEFGHJK",
    };

    #[test]
    fn the_first_six_in_line_are_told_once_each() {
        let due = due_near(&[true, false, true, false, false, false, false, false]);
        let places: Vec<usize> = due.iter().map(|(ahead, _)| *ahead).collect();
        assert_eq!(places, vec![1, 3, 4, 5]);
        assert_eq!(due[0].1, Moment::Near { ahead: 1 });
        assert!(due_near(&[true; 6]).is_empty());
        assert!(due_near(&[]).is_empty());
    }

    #[test]
    fn each_call_is_its_own_notice_and_near_is_one() {
        assert_eq!(Moment::Near { ahead: 4 }.call_number(), 0);
        assert_eq!(Moment::Called { counter: "Loket 3".into(), call: 2 }.call_number(), 2);
        assert_eq!(Moment::Called { counter: "Loket 3".into(), call: 1 }.kind(), "called");
    }

    #[test]
    fn an_sms_names_the_number_the_counter_and_fits_one_segment() {
        let called = sms_text(&Moment::Called { counter: "Loket 3".into(), call: 1 }, &ABOUT);
        assert_eq!(called, "Antrean A-012: giliran Anda. Silakan menuju Loket 3, Kantor Pertanahan Kota Denpasar.");
        assert!(called.len() <= 160);
        let near = sms_text(&Moment::Near { ahead: 5 }, &ABOUT);
        assert!(near.contains("5 orang lagi") && near.ends_with(ABOUT.link), "{near}");
        assert!(sms_text(&Moment::Near { ahead: 0 }, &ABOUT).contains("Anda berikutnya"));
        assert!(sms_text(&Moment::Called { counter: "Loket 3".into(), call: 3 }, &ABOUT).contains("panggilan ke-3"));
    }

    #[test]
    fn an_email_speaks_both_languages_and_links_the_ticket() {
        let (subject, body) = email(&Moment::Called { counter: "Loket 2".into(), call: 1 }, &ABOUT);
        assert_eq!(subject, "Antrean A-012: giliran Anda di Loket 2");
        assert!(body.contains("Silakan menuju Loket 2") && body.contains("Please go to Loket 2"));
        assert!(body.contains(ABOUT.link));
    }

    #[test]
    fn a_push_message_opens_the_ticket_and_replaces_the_older_one() {
        let message = push_message(&Moment::Called { counter: "Loket 1".into(), call: 1 }, &ABOUT);
        assert_eq!(message.body, "Giliran Anda. Silakan menuju Loket 1.");
        assert_eq!(message.url, ABOUT.link);
        assert_eq!(message.tag, push_message(&Moment::Near { ahead: 2 }, &ABOUT).tag);
    }

    #[test]
    fn the_reminder_round_starts_at_the_offices_hour_and_covers_the_next_day() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc);
        // 17:59 WITA on Monday 30 November: not yet.
        assert_eq!(reminder_round(OfficeZone::Wita, 18, at("2026-11-30T09:59:00Z")), None);
        let round = reminder_round(OfficeZone::Wita, 18, at("2026-11-30T10:00:00Z")).unwrap();
        assert_eq!(round.for_date, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(round.due_at, at("2026-11-30T10:00:00Z"));
        assert_eq!(round.links_expire_at, at("2026-12-01T16:00:00Z"), "midnight WITA after the booked day");
        // Still the same round late in the evening, after a restart.
        assert_eq!(reminder_round(OfficeZone::Wita, 18, at("2026-11-30T15:30:00Z")), Some(round));
    }

    #[test]
    fn a_reminder_names_the_service_and_day_and_carries_the_cancel_link() {
        let reminder = Moment::Reminder {
            service: "Pengecekan Sertipikat".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            cancel_link: "https://antrean.example/batal/TOKEN".into(),
        };
        assert_eq!(reminder.kind(), "reminder");
        let sms = sms_text(&reminder, &ABOUT);
        assert!(sms.contains("Pengecekan Sertipikat") && sms.contains("Selasa, 1 Desember 2026"), "{sms}");
        assert!(sms.ends_with("https://antrean.example/batal/TOKEN"), "{sms}");
        let (_, body) = email(&reminder, &ABOUT);
        assert!(body.contains("Tuesday, 1 December 2026") && body.contains("/batal/TOKEN"), "{body}");
        assert_eq!(push_message(&reminder, &ABOUT).url, "https://antrean.example/batal/TOKEN");
        let moved = Moment::Moved {
            from: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            why: "Cuti bersama".into(),
        };
        let sms = sms_text(&moved, &ABOUT);
        assert!(
            sms.contains("Selasa, 1 Desember 2026 (Cuti bersama)") && sms.contains("Rabu, 2 Desember 2026"),
            "{sms}"
        );
        assert!(sms.contains("nomor A-012") && sms.ends_with(ABOUT.link), "{sms}");
        let cancelled = sms_text(&Moment::Cancelled { reason: CancelReason::IdentityMismatch }, &ABOUT);
        assert!(cancelled.contains("dibatalkan petugas: Data tidak sesuai"), "{cancelled}");
    }

    #[test]
    fn failed_sends_back_off_and_then_give_up() {
        assert_eq!(retry_after_seconds(0), Some(30));
        assert_eq!(retry_after_seconds(3), Some(240));
        assert_eq!(retry_after_seconds(MAX_ATTEMPTS), None);
    }
}
