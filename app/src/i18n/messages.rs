//! What citizens read and hear outside the app's pages: the notices (SMS,
//! email, push) about their ticket, the access-code SMS, and the display
//! board's spoken call. SMS go out in Bahasa Indonesia only (one segment where
//! it can); emails carry both languages. The numbers in the texts (a code's
//! lifetime, people ahead) come from the rules that set them.

use chrono::{Duration, NaiveTime};
use serde::{Deserialize, Serialize};

use super::{cancel_reason_name, long_date, Lang};
use crate::domain::estimate::CallEstimate;
use crate::domain::notify::Moment;

/// A time range as the language writes it: "10.40–10.55", "10:40–10:55".
/// SMS take a hyphen: an en dash would leave the GSM alphabet and halve the segment.
fn time_range(lang: Lang, from: NaiveTime, to: NaiveTime, dash: &str) -> String {
    let format = match lang {
        Lang::Id => "%H.%M",
        Lang::En => "%H:%M",
    };
    format!("{}{dash}{}", from.format(format), to.format(format))
}

/// The estimated call as a sentence, for the ticket page and the emails.
pub fn call_estimate(lang: Lang, estimate: &CallEstimate) -> String {
    match (lang, estimate) {
        (Lang::Id, CallEstimate::Between { from, to }) => {
            format!("Perkiraan dipanggil pukul {}.", time_range(lang, *from, *to, "–"))
        }
        (Lang::En, CallEstimate::Between { from, to }) => {
            format!("Estimated call: {}.", time_range(lang, *from, *to, "–"))
        }
        (Lang::Id, CallEstimate::TooLittleHistory) => {
            "Belum cukup data untuk memperkirakan waktu panggilan Anda.".into()
        }
        (Lang::En, CallEstimate::TooLittleHistory) => "Too little data yet to estimate when you will be called.".into(),
    }
}

/// ", perkiraan dipanggil 10.40-10.55" for an SMS, when there is an estimate.
fn sms_estimate(estimate: &CallEstimate) -> String {
    match estimate {
        CallEstimate::Between { from, to } => {
            format!(", perkiraan dipanggil {}", time_range(Lang::Id, *from, *to, "-"))
        }
        CallEstimate::TooLittleHistory => String::new(),
    }
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
pub fn notice_sms(moment: &Moment, about: &About) -> String {
    match moment {
        Moment::Near { ahead: 0, .. } => {
            format!(
                "Antrean {}: Anda berikutnya di {}. Mohon bersiap. {}",
                about.display_number, about.office, about.link
            )
        }
        // With an estimate the time says when to be back; the request to
        // come back makes room for it in one segment.
        Moment::Near { ahead, estimate: estimate @ CallEstimate::Between { .. } } => format!(
            "Antrean {}: {ahead} orang lagi sebelum giliran Anda di {}{}. {}",
            about.display_number,
            about.office,
            sms_estimate(estimate),
            about.link
        ),
        Moment::Near { ahead, .. } => format!(
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
        Moment::Reminder { service, date, cancel_link, estimate } => format!(
            "Antrean {}: pengingat {service}, {}, {}{}. Tidak jadi datang? Batalkan: {cancel_link}",
            about.display_number,
            long_date(Lang::Id, *date),
            about.office,
            sms_estimate(estimate)
        ),
        Moment::Moved { from, to, why } => format!(
            "{} tutup pada {} ({why}). Antrean Anda dipindah ke {}, nomor {}. {}",
            about.office,
            long_date(Lang::Id, *from),
            long_date(Lang::Id, *to),
            about.display_number,
            about.link
        ),
        Moment::Finished => format!(
            "Antrean {}: terima kasih telah datang ke {}. Beri nilai layanan kami 1-5: {}",
            about.display_number, about.office, about.link
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
pub fn notice_email(moment: &Moment, about: &About) -> (String, String) {
    let (subject, id, en) = match moment {
        Moment::Near { ahead: 0, .. } => (
            format!("Antrean {}: Anda berikutnya", about.display_number),
            "Anda berikutnya. Mohon bersiap di ruang tunggu.".to_string(),
            "You are next. Please be ready in the waiting hall.".to_string(),
        ),
        Moment::Near { ahead, estimate } => (
            format!("Antrean {}: hampir giliran Anda", about.display_number),
            format!(
                "{ahead} orang lagi sebelum giliran Anda. {} Mohon kembali ke ruang tunggu.",
                call_estimate(Lang::Id, estimate)
            ),
            format!(
                "{ahead} people are ahead of you. {} Please come back to the waiting hall.",
                call_estimate(Lang::En, estimate)
            ),
        ),
        Moment::Called { counter, .. } => (
            format!("Antrean {}: giliran Anda di {counter}", about.display_number),
            format!("Nomor Anda dipanggil. Silakan menuju {counter}."),
            format!("Your number is called. Please go to {counter}."),
        ),
        Moment::Reminder { service, date, cancel_link, estimate } => (
            format!("Antrean {}: pengingat untuk {}", about.display_number, long_date(Lang::Id, *date)),
            format!(
                "Pengingat: {service} pada {}. {} Tidak jadi datang? Batalkan nomor ini agar tempatnya dapat \
                 dipakai warga lain: {cancel_link}",
                long_date(Lang::Id, *date),
                call_estimate(Lang::Id, estimate)
            ),
            format!(
                "Reminder: {service} on {}. {} Not coming? Cancel this number so someone else can have the place: \
                 {cancel_link}",
                long_date(Lang::En, *date),
                call_estimate(Lang::En, estimate)
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
        Moment::Finished => (
            format!("Antrean {}: bagaimana layanan kami?", about.display_number),
            "Terima kasih telah datang. Beri nilai layanan kami dari 1 sampai 5 (dan saran bila ada) di \
             halaman nomor Anda, dalam 3 hari."
                .to_string(),
            "Thank you for coming. Rate our service from 1 to 5 (and tell us how to improve) on your number's page, \
             within 3 days."
                .to_string(),
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

pub fn notice_push(moment: &Moment, about: &About) -> PushMessage {
    let body = match moment {
        Moment::Near { ahead: 0, .. } => "Anda berikutnya. Mohon bersiap.".to_string(),
        Moment::Near { ahead, estimate } => format!(
            "{ahead} orang lagi sebelum giliran Anda. {} Mohon kembali ke ruang tunggu.",
            call_estimate(Lang::Id, estimate)
        ),
        Moment::Called { counter, call: 1 } => format!("Giliran Anda. Silakan menuju {counter}."),
        Moment::Called { counter, call } => format!("Panggilan ke-{call}. Silakan segera menuju {counter}."),
        Moment::Reminder { service, date, .. } => {
            format!("Pengingat: {service}, {}. Tidak jadi datang? Ketuk untuk membatalkan.", long_date(Lang::Id, *date))
        }
        Moment::Cancelled { reason } => {
            format!("Dibatalkan petugas: {}.", cancel_reason_name(Lang::Id, *reason))
        }
        Moment::Finished => "Terima kasih telah datang. Ketuk untuk memberi nilai layanan kami.".to_string(),
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

/// The access-code SMS; the code lives `lifetime`. Its last line lets Android
/// Chrome fill the code in by itself (WebOTP).
pub fn access_code_sms(code: &str, host: &str, lifetime: Duration) -> String {
    format!(
        "Kode akses Antrean Anda: {code}. Berlaku {} menit. Jangan berikan kode ini kepada siapa pun.\n\n@{host} #{code}",
        lifetime.num_minutes()
    )
}

/// What the display board says aloud for a call: the number character by
/// character, so "A-012" is heard as "A 0 1 2", then the counter.
pub fn call_announcement(display_number: &str, counter: &str, recall: bool) -> String {
    let spelled: Vec<String> = display_number.chars().filter(|c| c.is_alphanumeric()).map(String::from).collect();
    let again = if recall { "Panggilan ulang. " } else { "" };
    format!("{again}Nomor antrean {}, silakan ke {}", spelled.join(" "), counter.to_lowercase())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::otp::OtpPolicy;
    use crate::domain::ticket::CancelReason;

    const ABOUT: About = About {
        display_number: "A-012",
        office: "Kantor Pertanahan Kota Denpasar",
        link: "https://antrean.example/tiket/ABCDEFGHJK",
    };

    #[test]
    fn an_sms_names_the_number_the_counter_and_fits_one_segment() {
        let called = notice_sms(&Moment::Called { counter: "Loket 3".into(), call: 1 }, &ABOUT);
        assert_eq!(called, "Antrean A-012: giliran Anda. Silakan menuju Loket 3, Kantor Pertanahan Kota Denpasar.");
        assert!(called.len() <= 160);
        let unknown = CallEstimate::TooLittleHistory;
        let near = notice_sms(&Moment::Near { ahead: 5, estimate: unknown }, &ABOUT);
        assert!(near.contains("5 orang lagi") && near.ends_with(ABOUT.link), "{near}");
        assert!(notice_sms(&Moment::Near { ahead: 0, estimate: unknown }, &ABOUT).contains("Anda berikutnya"));
        // The estimate, in the GSM alphabet and still one segment.
        let estimate = CallEstimate::Between {
            from: NaiveTime::from_hms_opt(10, 40, 0).unwrap(),
            to: NaiveTime::from_hms_opt(10, 55, 0).unwrap(),
        };
        let near = notice_sms(&Moment::Near { ahead: 5, estimate }, &ABOUT);
        assert!(near.contains("perkiraan dipanggil 10.40-10.55") && near.ends_with(ABOUT.link), "{near}");
        assert!(near.is_ascii() && near.len() <= 160, "{} characters: {near}", near.len());
        let (_, body) = notice_email(&Moment::Near { ahead: 5, estimate }, &ABOUT);
        assert!(
            body.contains("Perkiraan dipanggil pukul 10.40–10.55.") && body.contains("Estimated call: 10:40–10:55.")
        );
        assert!(call_estimate(Lang::Id, &unknown).starts_with("Belum cukup data"));
        assert!(notice_sms(&Moment::Called { counter: "Loket 3".into(), call: 3 }, &ABOUT).contains("panggilan ke-3"));
    }

    #[test]
    fn an_email_speaks_both_languages_and_links_the_ticket() {
        let (subject, body) = notice_email(&Moment::Called { counter: "Loket 2".into(), call: 1 }, &ABOUT);
        assert_eq!(subject, "Antrean A-012: giliran Anda di Loket 2");
        assert!(body.contains("Silakan menuju Loket 2") && body.contains("Please go to Loket 2"));
        assert!(body.contains(ABOUT.link));
    }

    #[test]
    fn a_push_message_opens_the_ticket_and_replaces_the_older_one() {
        let message = notice_push(&Moment::Called { counter: "Loket 1".into(), call: 1 }, &ABOUT);
        assert_eq!(message.body, "Giliran Anda. Silakan menuju Loket 1.");
        assert_eq!(message.url, ABOUT.link);
        let near = Moment::Near { ahead: 2, estimate: CallEstimate::TooLittleHistory };
        assert_eq!(message.tag, notice_push(&near, &ABOUT).tag);
    }

    #[test]
    fn a_reminder_names_the_service_and_day_and_carries_the_cancel_link() {
        let reminder = Moment::Reminder {
            service: "Pengecekan Sertipikat".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            cancel_link: "https://antrean.example/batal/TOKEN".into(),
            estimate: CallEstimate::Between {
                from: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                to: NaiveTime::from_hms_opt(8, 20, 0).unwrap(),
            },
        };
        assert_eq!(reminder.kind(), "reminder");
        let sms = notice_sms(&reminder, &ABOUT);
        assert!(sms.contains("Pengecekan Sertipikat") && sms.contains("Selasa, 1 Desember 2026"), "{sms}");
        assert!(sms.ends_with("https://antrean.example/batal/TOKEN"), "{sms}");
        assert!(sms.contains("perkiraan dipanggil 08.00-08.20"), "{sms}");
        let (_, body) = notice_email(&reminder, &ABOUT);
        assert!(body.contains("Tuesday, 1 December 2026") && body.contains("/batal/TOKEN"), "{body}");
        assert_eq!(notice_push(&reminder, &ABOUT).url, "https://antrean.example/batal/TOKEN");
        let moved = Moment::Moved {
            from: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            why: "Cuti bersama".into(),
        };
        let sms = notice_sms(&moved, &ABOUT);
        assert!(
            sms.contains("Selasa, 1 Desember 2026 (Cuti bersama)") && sms.contains("Rabu, 2 Desember 2026"),
            "{sms}"
        );
        assert!(sms.contains("nomor A-012") && sms.ends_with(ABOUT.link), "{sms}");
        let finished = notice_sms(&Moment::Finished, &ABOUT);
        assert!(finished.contains("Beri nilai layanan kami 1-5") && finished.ends_with(ABOUT.link), "{finished}");
        assert!(finished.is_ascii() && finished.len() <= 160, "{} characters: {finished}", finished.len());
        let cancelled = notice_sms(&Moment::Cancelled { reason: CancelReason::IdentityMismatch }, &ABOUT);
        assert!(cancelled.contains("dibatalkan petugas: Data tidak sesuai"), "{cancelled}");
    }

    #[test]
    fn the_code_sms_states_the_codes_own_lifetime_and_ends_with_the_web_otp_line() {
        let text = access_code_sms("AB3K7Z", "antrean.example.id", OtpPolicy::default().lifetime);
        assert!(text.contains("Berlaku 5 menit"), "{text}");
        assert!(text.ends_with("\n@antrean.example.id #AB3K7Z"));
        assert!(access_code_sms("AB3K7Z", "antrean.example.id", Duration::minutes(10)).contains("Berlaku 10 menit"));
    }

    #[test]
    fn a_call_is_announced_digit_by_digit_in_indonesian() {
        assert_eq!(call_announcement("A-012", "Loket 3", false), "Nomor antrean A 0 1 2, silakan ke loket 3");
        assert_eq!(
            call_announcement("A-012", "Loket 3", true),
            "Panggilan ulang. Nomor antrean A 0 1 2, silakan ke loket 3"
        );
    }
}
