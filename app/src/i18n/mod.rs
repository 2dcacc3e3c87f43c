//! The translation table: every string the interface shows, in Bahasa Indonesia
//! (the default) and English, side by side so a missing translation is visible
//! at a glance. Wording follows the land office's guide where it fits.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::access::{AccountProblem, Role};
use crate::domain::booking::{BookingRefusal, RolloverReason};
use crate::domain::calendar::ClosedReason;
use crate::domain::counter::CounterRefusal;
use crate::domain::identity::IdentityError;
use crate::domain::priority::PriorityCategory;
use crate::domain::ticket::{CancelReason, Channel, TicketState};
use crate::error::{AppError, FieldProblem};

mod admin;
mod messages;

pub use admin::{admin_text, audit_action_name, webhook_event_name, webhook_problem, AdminText, REPORT_COLUMNS};
pub use messages::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// The name of the cookie that remembers the choice, so the server renders it too.
    pub const COOKIE: &'static str = "lang";

    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Self {
        if code.trim().eq_ignore_ascii_case("en") {
            Self::En
        } else {
            Self::Id
        }
    }

    /// Reads the language from a `Cookie` header value.
    pub fn from_cookie_header(header: &str) -> Self {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == Self::COOKIE)
            .map(|(_, value)| Self::from_code(value))
            .unwrap_or_default()
    }

    /// The language of a request: its `lang` cookie, if it has one.
    #[cfg(feature = "ssr")]
    pub fn of_request(headers: &http::HeaderMap) -> Self {
        headers
            .get(http::header::COOKIE)
            .and_then(|value| value.to_str().ok())
            .map(Self::from_cookie_header)
            .unwrap_or_default()
    }

    pub fn other(self) -> Self {
        match self {
            Self::Id => Self::En,
            Self::En => Self::Id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    AppName,
    SwitchLanguage,
    SkipToContent,
    OfficesTitle,
    OfficesIntro,
    OfficeNotFound,
    CrossSiteRefused,
    ScreensFromAddressFull,
    ScreensFull,
    TicketNotFound,
    BackToOffices,
    BackToOffice,
    ServiceCounters,
    PeopleWaiting,
    NowCalling,
    NoneYet,
    TakeNumber,
    OpenNow,
    ClosedNow,
    HoursToday,
    ClosedToday,
    QuotaToday,
    ServedAt,
    BookTitle,
    BookIntro,
    FieldService,
    FieldWhen,
    WhenToday,
    WhenDate,
    FieldDate,
    FieldDateHint,
    FieldEmail,
    FieldEmailHint,
    FieldNik,
    FieldNikHint,
    FieldName,
    FieldNameWarning,
    FieldPhone,
    FieldPhoneHint,
    Submit,
    Submitting,
    FixErrors,
    YourTicket,
    TicketService,
    TicketDate,
    PeopleAhead,
    TicketState,
    TicketHolder,
    TicketChannel,
    CancelReason,
    KeepThisPage,
    NotFoundTitle,
    SendCode,
    CodeTitle,
    CodeSentTo,
    CodeForBooking,
    CodeForSignIn,
    FieldCode,
    FieldCodeHint,
    Continue,
    ResendCode,
    SignIn,
    SignOut,
    SignInTitle,
    SignInIntro,
    MyTickets,
    TicketsToday,
    TicketsUpcoming,
    TicketsPast,
    NoTickets,
    CancelTicket,
    CancelLinkTitle,
    CancelLinkAsk,
    CancelLinkConfirm,
    CancelLinkTooLate,
    SignedInAs,
    StaffSignInTitle,
    FieldUsername,
    FieldPassword,
    StaffDeskTitle,
    StaffBookTitle,
    StaffBookIntro,
    FieldOffice,
    StaffCancelTitle,
    FieldTicketCode,
    FieldReason,
    Optional,
    StaffLink,
    ConsoleTitle,
    CallNext,
    Recall,
    StartServing,
    Finish,
    MarkNoShow,
    TransferTo,
    Transfer,
    Requeue,
    OpenCounter,
    PauseCounter,
    CloseCounter,
    WaitingList,
    ServedToday,
    NoShows,
    CurrentTicket,
    CallsMade,
    Minutes,
    StatusOpen,
    StatusPaused,
    StatusClosed,
    Shortcuts,
    CountersTitle,
    Online,
    Offline,
    CallsTitle,
    NoCalls,
    RecallMark,
    WalkInOnly,
    BoardNowCalling,
    BoardCalledAgain,
    BoardWaitingTitle,
    KioskIntro,
    PriorityMark,
    FeedbackTitle,
    FeedbackRating,
    FeedbackComment,
    FeedbackSend,
    FeedbackThanks,
    FeedbackClosed,
    FieldPriority,
    FieldPriorityHint,
    PriorityNone,
    KioskPriorityTitle,
    KioskPriorityHint,
    KioskPriorityConfirm,
    KioskPriorityYes,
    KioskPriorityNo,
    KioskPriorityChosen,
    KioskNik,
    ReceiptScan,
    KioskBack,
    AccountsTitle,
    AccountsIntro,
    NewAccount,
    FieldStaffName,
    FieldRole,
    AllOffices,
    PasswordGenerated,
    CreateAccount,
    InitialPasswordFor,
    InitialPasswordOnce,
    AccountCreated,
    PasswordWasReset,
    RefreshList,
    NotificationsTitle,
    NotificationsIntro,
    EnableNotifications,
    DisableNotifications,
    PushOn,
    PushOff,
    PushBlocked,
    PushFailed,
    ChangePasswordTitle,
    PasswordChangeFirst,
    FailedSignInsTitle,
    FailedSignInsHint,
    FieldCurrentPassword,
    FieldNewPassword,
    NewPasswordHint,
    PasswordChanged,
    ChangePassword,
    ResetPassword,
    DisableAccount,
    EnableAccount,
    AccountActive,
    AccountDisabled,
    AccountLocked,
    ColumnStatus,
    ManageAccounts,
    KioskScreens,
    DisplayBoardLink,
    SelfServiceLink,
}

/// The text for a key in a language.
pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    let (id, en) = match key {
        AppName => ("Antrean", "Antrean"),
        SwitchLanguage => ("English", "Bahasa Indonesia"),
        SkipToContent => ("Langsung ke isi", "Skip to content"),
        OfficesTitle => ("Pilih kantor layanan", "Choose an office"),
        OfficesIntro => (
            "Ambil nomor antrean dari mana saja, tanpa berkerumun di loket.",
            "Take a queue number from anywhere, without crowding at the counter.",
        ),
        OfficeNotFound => ("Kantor tidak ditemukan.", "Office not found."),
        CrossSiteRefused => (
            "Permintaan ditolak: kirim dari halaman situs ini. Muat ulang halaman lalu coba lagi.",
            "Request refused: send it from this site's own pages. Reload the page and try again.",
        ),
        ScreensFromAddressFull => (
            "Terlalu banyak layar terhubung dari alamat jaringan Anda. Layar ini mencoba lagi sebentar lagi.",
            "Too many screens are connected from your network address. This screen tries again shortly.",
        ),
        ScreensFull => (
            "Server sedang penuh. Layar ini mencoba lagi sebentar lagi.",
            "The server is full right now. This screen tries again shortly.",
        ),
        TicketNotFound => ("Tiket tidak ditemukan.", "Ticket not found."),
        BackToOffices => ("Semua kantor", "All offices"),
        BackToOffice => ("Kembali ke kantor", "Back to the office"),
        ServiceCounters => ("Loket layanan", "Service counters"),
        PeopleWaiting => ("Jumlah antrean", "People waiting"),
        NowCalling => ("Nomor panggilan", "Now calling"),
        NoneYet => ("Belum ada", "None yet"),
        TakeNumber => ("Daftar", "Take a number"),
        OpenNow => ("Sedang buka", "Open now"),
        ClosedNow => ("Sedang tutup", "Closed now"),
        HoursToday => ("Jam layanan hari ini", "Opening hours today"),
        ClosedToday => ("Tutup hari ini", "Closed today"),
        QuotaToday => ("Kuota hari ini", "Today's quota"),
        ServedAt => ("Dilayani di", "Served at"),
        BookTitle => ("Ambil nomor antrean", "Take a queue number"),
        BookIntro => (
            "Ambil nomor untuk hari ini, atau pilih tanggal kedatangan. Jika tanggal yang dipilih sudah penuh, nomor diberikan pada hari kerja berikutnya yang masih tersedia.",
            "Take a number for today, or choose the day you will come. If that day is full, you get a number on the next working day with room.",
        ),
        FieldService => ("Loket tujuan", "Service"),
        FieldWhen => ("Kapan Anda datang?", "When will you come?"),
        WhenToday => ("Hari ini", "Today"),
        WhenDate => ("Pilih tanggal", "Choose a date"),
        FieldDate => ("Tanggal kedatangan", "Date of visit"),
        FieldDateHint => ("Hanya hari kerja; hari libur dilewati.", "Working days only; holidays are skipped."),
        FieldEmail => ("Alamat email", "Email address"),
        FieldEmailHint => ("Untuk pemberitahuan panggilan antrean.", "Used to tell you when your number is near."),
        FieldNik => ("NIK", "NIK (national ID number)"),
        FieldNikHint => ("16 digit, sesuai KTP.", "16 digits, as on your KTP."),
        FieldName => ("Nama lengkap sesuai KTP", "Full name as on your KTP"),
        FieldNameWarning => (
            "Apabila isian tidak sesuai dengan kartu identitas, antrean Anda akan dibatalkan di loket pelayanan.",
            "If these details do not match your identity card, your ticket will be cancelled at the counter.",
        ),
        FieldPhone => ("Nomor ponsel", "Mobile number"),
        FieldPhoneHint => ("Contoh: 0812 3456 7890", "For example: 0812 3456 7890"),
        Submit => ("Ambil Nomor", "Get my number"),
        Submitting => ("Memproses…", "Working…"),
        FixErrors => ("Periksa kembali isian yang ditandai.", "Please check the marked fields."),
        YourTicket => ("Nomor antrean Anda", "Your queue number"),
        TicketService => ("Layanan", "Service"),
        TicketDate => ("Tanggal", "Date"),
        PeopleAhead => ("Orang di depan Anda", "People ahead of you"),
        TicketState => ("Status", "Status"),
        TicketHolder => ("Atas nama", "Name"),
        TicketChannel => ("Didaftarkan melalui", "Registered through"),
        CancelReason => ("Alasan pembatalan", "Reason for cancellation"),
        KeepThisPage => (
            "Simpan alamat halaman ini untuk melihat antrean Anda kapan saja.",
            "Keep this page's address to follow your ticket at any time.",
        ),
        NotFoundTitle => ("Halaman tidak ditemukan", "Page not found"),
        SendCode => ("Kirim Kode Akses", "Send access code"),
        CodeTitle => ("Masukkan kode akses", "Enter the access code"),
        CodeSentTo => ("Kode akses 6 karakter telah dikirim melalui SMS ke", "A 6-character access code was sent by SMS to"),
        CodeForBooking => ("Setelah kode benar, nomor antrean Anda langsung diterbitkan.", "Once the code is right, your queue number is issued at once."),
        CodeForSignIn => ("Setelah kode benar, Anda masuk dan melihat tiket Anda.", "Once the code is right, you are signed in and see your tickets."),
        FieldCode => ("Kode akses", "Access code"),
        FieldCodeHint => ("Huruf dan angka, tanpa 0, O, 1, I atau L.", "Letters and digits, never 0, O, 1, I or L."),
        Continue => ("Lanjut", "Continue"),
        ResendCode => ("Kirim ulang kode", "Send a new code"),
        SignIn => ("Masuk", "Sign in"),
        SignOut => ("Keluar", "Sign out"),
        SignInTitle => ("Masuk dengan nomor ponsel", "Sign in with your mobile number"),
        SignInIntro => ("Kami kirim kode akses melalui SMS ke nomor ini.", "We send an access code by SMS to this number."),
        MyTickets => ("Tiket saya", "My tickets"),
        TicketsToday => ("Hari ini", "Today"),
        TicketsUpcoming => ("Akan datang", "Upcoming"),
        TicketsPast => ("Riwayat", "Past"),
        NoTickets => ("Belum ada tiket.", "No tickets yet."),
        CancelTicket => ("Batalkan", "Cancel"),
        CancelLinkTitle => ("Batalkan nomor antrean", "Cancel a queue number"),
        CancelLinkAsk => (
            "Tidak jadi datang? Nomor di bawah ini akan dibatalkan dan tempatnya kembali untuk warga lain. Ini tidak dapat diurungkan.",
            "Not coming? The number below will be cancelled and its place goes back to other citizens. This cannot be undone.",
        ),
        CancelLinkConfirm => ("Ya, batalkan nomor ini", "Yes, cancel this number"),
        CancelLinkTooLate => ("Nomor ini tidak dapat dibatalkan lagi.", "This number can no longer be cancelled."),
        SignedInAs => ("Masuk sebagai", "Signed in as"),
        StaffSignInTitle => ("Masuk petugas", "Staff sign-in"),
        FieldUsername => ("Nama pengguna", "Username"),
        FieldPassword => ("Kata sandi", "Password"),
        StaffDeskTitle => ("Meja petugas", "Staff desk"),
        StaffBookTitle => ("Daftarkan warga", "Book for a citizen"),
        StaffBookIntro => ("Untuk warga yang membutuhkan bantuan. Email dan nomor ponsel boleh dikosongkan.", "For citizens who need help. Email and mobile number may be left empty."),
        FieldOffice => ("Kantor", "Office"),
        StaffCancelTitle => ("Batalkan tiket", "Cancel a ticket"),
        FieldTicketCode => ("Kode tiket (dari alamat halaman tiket)", "Ticket code (from the ticket page address)"),
        FieldReason => ("Alasan", "Reason"),
        Optional => ("(boleh dikosongkan)", "(optional)"),
        StaffLink => ("Petugas", "Staff"),
        ConsoleTitle => ("Konsol loket", "Counter console"),
        CallNext => ("Panggil berikutnya", "Call next"),
        Recall => ("Panggil ulang", "Call again"),
        StartServing => ("Mulai layani", "Start serving"),
        Finish => ("Selesai", "Done"),
        MarkNoShow => ("Tidak hadir", "Not present"),
        TransferTo => ("Alihkan ke layanan", "Transfer to service"),
        Transfer => ("Alihkan", "Transfer"),
        Requeue => ("Kembalikan ke antrean", "Put back in the queue"),
        OpenCounter => ("Buka loket", "Open counter"),
        PauseCounter => ("Istirahat", "Pause"),
        CloseCounter => ("Tutup loket", "Close counter"),
        WaitingList => ("Daftar tunggu", "Waiting"),
        ServedToday => ("Dilayani hari ini", "Served today"),
        NoShows => ("Tidak hadir saat dipanggil", "Not present when called"),
        CurrentTicket => ("Nomor saat ini", "Current number"),
        CallsMade => ("Panggilan", "Calls"),
        Minutes => ("menit", "min"),
        StatusOpen => ("Buka", "Open"),
        StatusPaused => ("Istirahat", "Paused"),
        StatusClosed => ("Tutup", "Closed"),
        Shortcuts => ("Pintasan: N panggil berikutnya · U panggil ulang · L mulai layani · S selesai · T tidak hadir", "Shortcuts: N call next · U call again · L start serving · S done · T not present"),
        CountersTitle => ("Loket", "Counters"),
        Online => ("Terhubung", "Connected"),
        Offline => ("Terputus — menyambung ulang…", "Offline — reconnecting…"),
        CallsTitle => ("Panggilan", "Calls"),
        NoCalls => ("Belum ada panggilan.", "No calls yet."),
        RecallMark => ("panggil ulang", "called again"),
        WalkInOnly => (
            "Hanya untuk yang datang langsung: ambil nomor di kantor, jam buka hari ini",
            "Walk-ins only: take a number at the office, open today",
        ),
        BoardNowCalling => ("Nomor dipanggil", "Now calling"),
        BoardCalledAgain => ("Panggilan ulang", "Called again"),
        BoardWaitingTitle => ("Menunggu per layanan", "Waiting per service"),
        PriorityMark => ("Prioritas", "Priority"),
        FeedbackTitle => ("Bagaimana layanan kami?", "How was our service?"),
        FeedbackRating => ("Nilai: 1 = buruk, 5 = sangat baik", "Rating: 1 = poor, 5 = excellent"),
        FeedbackComment => ("Saran (boleh dikosongkan)", "Suggestion (optional)"),
        FeedbackSend => ("Kirim penilaian", "Send rating"),
        FeedbackThanks => ("Terima kasih atas penilaian Anda:", "Thank you for your rating:"),
        FeedbackClosed => (
            "Layanan ini sudah dinilai, atau waktu penilaian (3 hari setelah dilayani) sudah lewat.",
            "This service was rated already, or the time to rate it (3 days after service) is over.",
        ),
        FieldPriority => ("Layanan prioritas", "Priority service"),
        FieldPriorityHint => (
            "Untuk lansia, penyandang disabilitas, ibu hamil dan kategori lain yang dilayani kantor; petugas dapat meminta bukti.",
            "For the elderly, people with disabilities, pregnant women and the other categories the office serves; staff may ask for proof.",
        ),
        PriorityNone => ("Tidak", "None"),
        KioskPriorityTitle => ("Layanan prioritas", "Priority service"),
        KioskPriorityHint => (
            "Untuk lansia, penyandang disabilitas, ibu hamil, dan kategori lain yang dilayani kantor ini: pilih sebelum menyentuh layanan.",
            "For the elderly, people with disabilities, pregnant women and the other categories this office serves: choose before touching the service.",
        ),
        KioskPriorityConfirm => (
            "Anda menyatakan termasuk kategori ini. Petugas dapat meminta bukti di loket. Benar?",
            "You declare that you belong to this category. Staff may ask for proof at the counter. Is that right?",
        ),
        KioskPriorityYes => ("Ya, benar", "Yes, that's right"),
        KioskPriorityNo => ("Batal", "Cancel"),
        KioskPriorityChosen => ("Nomor prioritas untuk:", "Priority number for:"),
        KioskIntro => ("Sentuh layanan yang Anda tuju untuk mengambil nomor antrean.", "Touch the service you need to take a queue number."),
        KioskNik => ("NIK (boleh dikosongkan)", "NIK (optional)"),
        ReceiptScan => ("Pindai kode ini untuk mengikuti antrean di ponsel Anda.", "Scan this code to follow the queue on your phone."),
        KioskBack => ("Kembali", "Back"),
        AccountsTitle => ("Akun petugas", "Staff accounts"),
        AccountsIntro => ("Akun untuk petugas loket, admin, serta perangkat papan antrean dan kios. Kata sandi awal hanya ditampilkan sekali; sampaikan langsung kepada pemiliknya.", "Accounts for counter staff, admins, and display board and kiosk devices. An initial password is shown only once; hand it over in person."),
        NewAccount => ("Akun baru", "New account"),
        FieldStaffName => ("Nama lengkap", "Full name"),
        FieldRole => ("Peran", "Role"),
        AllOffices => ("Semua kantor", "All offices"),
        PasswordGenerated => ("Kosongkan agar kata sandi awal dibuat otomatis.", "Leave empty to have an initial password made for you."),
        CreateAccount => ("Buat akun", "Create account"),
        InitialPasswordFor => ("Kata sandi awal untuk", "Initial password for"),
        InitialPasswordOnce => ("Catat sekarang: kata sandi ini tidak ditampilkan lagi.", "Note it now: this password is not shown again."),
        AccountCreated => ("Akun dibuat:", "Account created:"),
        ChangePasswordTitle => ("Ganti kata sandi", "Change password"),
        PasswordChangeFirst => (
            "Kata sandi akun ini dibuat oleh sistem. Gantilah sekarang; fitur lain terbuka setelahnya.",
            "This account's password was made by the system. Change it now; everything else opens after that.",
        ),
        FailedSignInsTitle => ("Percobaan masuk yang gagal", "Failed sign-in attempts"),
        FailedSignInsHint => (
            "Kata sandi salah untuk akun ini dalam 7 hari terakhir (waktu UTC, alamat jaringan). Jika bukan Anda, \
             beri tahu admin dan ganti kata sandi.",
            "Wrong passwords for this account in the last 7 days (UTC time, network address). If it was not you, \
             tell an admin and change your password.",
        ),
        FieldCurrentPassword => ("Kata sandi saat ini", "Current password"),
        FieldNewPassword => ("Kata sandi baru", "New password"),
        NewPasswordHint => ("Minimal 10 karakter; boleh berupa kalimat. Perangkat lain yang masuk dengan akun ini akan dikeluarkan.", "At least 10 characters; a phrase is fine. Other devices signed in with this account are signed out."),
        PasswordChanged => ("Kata sandi sudah diganti.", "Your password was changed."),
        ChangePassword => ("Ganti kata sandi", "Change password"),
        NotificationsTitle => ("Notifikasi di perangkat ini", "Notifications on this device"),
        NotificationsIntro => ("Dapatkan pemberitahuan saat giliran Anda hampir tiba dan saat nomor Anda dipanggil, walau halaman ini tertutup. SMS tetap dikirim.", "Be told when your turn is near and when your number is called, even with this page closed. SMS are still sent."),
        EnableNotifications => ("Aktifkan notifikasi", "Turn notifications on"),
        DisableNotifications => ("Matikan notifikasi", "Turn notifications off"),
        PushOn => ("Notifikasi aktif di perangkat ini.", "Notifications are on for this device."),
        PushOff => ("Notifikasi belum aktif di perangkat ini.", "Notifications are off for this device."),
        PushBlocked => ("Notifikasi diblokir di pengaturan peramban.", "Notifications are blocked in the browser settings."),
        PushFailed => ("Notifikasi tidak dapat diaktifkan di perangkat ini.", "Notifications could not be turned on for this device."),
        RefreshList => ("Muat ulang daftar akun", "Reload the account list"),
        PasswordWasReset => ("Kata sandi diatur ulang dan semua sesinya diakhiri:", "Password reset and every session ended:"),
        ResetPassword => ("Atur ulang kata sandi", "Reset password"),
        DisableAccount => ("Nonaktifkan", "Disable"),
        EnableAccount => ("Aktifkan", "Enable"),
        AccountActive => ("Aktif", "Active"),
        AccountDisabled => ("Nonaktif", "Disabled"),
        AccountLocked => ("Terkunci sementara", "Locked for now"),
        ColumnStatus => ("Status", "Status"),
        ManageAccounts => ("Kelola akun petugas", "Manage staff accounts"),
        KioskScreens => ("Layar kios", "Kiosk screens"),
        DisplayBoardLink => ("Papan antrean", "Display board"),
        SelfServiceLink => ("Ambil nomor mandiri", "Self-service numbers"),
    };
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

pub fn state_name(lang: Lang, state: TicketState) -> &'static str {
    let (id, en) = match state {
        TicketState::Waiting => ("Menunggu", "Waiting"),
        TicketState::Called => ("Dipanggil — silakan ke loket", "Called — please go to the counter"),
        TicketState::Serving => ("Sedang dilayani", "Being served"),
        TicketState::Done => ("Selesai", "Done"),
        TicketState::NoShow => ("Tidak hadir saat dipanggil", "Not present when called"),
        TicketState::Cancelled => ("Dibatalkan", "Cancelled"),
    };
    pick(lang, id, en)
}

pub fn channel_name(lang: Lang, channel: Channel) -> &'static str {
    let (id, en) = match channel {
        Channel::Online => ("Daring", "Online"),
        Channel::WalkIn => ("Datang langsung", "Walk-in"),
        Channel::StaffAssisted => ("Dibantu petugas", "Booked by staff"),
    };
    pick(lang, id, en)
}

/// A priority category, as citizens and staff call it.
pub fn priority_name(lang: Lang, category: PriorityCategory) -> &'static str {
    let (id, en) = match category {
        PriorityCategory::Elderly => ("Lansia", "Elderly"),
        PriorityCategory::Disabled => ("Penyandang disabilitas", "Person with a disability"),
        PriorityCategory::Pregnant => ("Ibu hamil", "Pregnant woman"),
        PriorityCategory::WithInfant => ("Membawa balita", "With a small child"),
        PriorityCategory::Veteran => ("Veteran", "Veteran"),
    };
    pick(lang, id, en)
}

/// A notice channel, as the outbox names it.
pub fn notice_channel_name(lang: Lang, channel: crate::domain::notify::Channel) -> &'static str {
    use crate::domain::notify::Channel;
    match channel {
        Channel::Sms => "SMS",
        Channel::Email => pick(lang, "Surel", "Email"),
        Channel::Push => pick(lang, "Notifikasi peramban", "Browser notification"),
    }
}

/// What a notice told (`domain::notify::Moment::kind`), as the outbox names it.
pub fn notice_moment_name(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "near" => pick(lang, "Hampir giliran", "Almost your turn"),
        "called" => pick(lang, "Dipanggil", "Called"),
        "reminder" => pick(lang, "Pengingat malam sebelumnya", "Reminder the evening before"),
        "cancelled" => pick(lang, "Dibatalkan petugas", "Cancelled by staff"),
        "moved" => pick(lang, "Dipindah: kantor tutup", "Moved: office closed"),
        "finished" => pick(lang, "Terima kasih dan permintaan nilai", "Thanks and a request for a rating"),
        _ => "?",
    }
}

pub fn cancel_reason_name(lang: Lang, reason: CancelReason) -> &'static str {
    let (id, en) = match reason {
        CancelReason::IdentityMismatch => {
            ("Data tidak sesuai dengan kartu identitas", "The details do not match the identity card")
        }
        CancelReason::Duplicate => ("Pendaftaran ganda", "Duplicate registration"),
        CancelReason::CitizenRequest => ("Dibatalkan atas permintaan Anda", "Cancelled at your request"),
    };
    pick(lang, id, en)
}

pub(crate) fn pick(lang: Lang, id: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

const DAYS: [(&str, &str); 7] = [
    ("Senin", "Monday"),
    ("Selasa", "Tuesday"),
    ("Rabu", "Wednesday"),
    ("Kamis", "Thursday"),
    ("Jumat", "Friday"),
    ("Sabtu", "Saturday"),
    ("Minggu", "Sunday"),
];

const MONTHS: [(&str, &str); 12] = [
    ("Januari", "January"),
    ("Februari", "February"),
    ("Maret", "March"),
    ("April", "April"),
    ("Mei", "May"),
    ("Juni", "June"),
    ("Juli", "July"),
    ("Agustus", "August"),
    ("September", "September"),
    ("Oktober", "October"),
    ("November", "November"),
    ("Desember", "December"),
];

/// "Senin, 23 November 2026" / "Monday, 23 November 2026".
pub fn long_date(lang: Lang, date: NaiveDate) -> String {
    let (day_id, day_en) = DAYS[date.weekday().num_days_from_monday() as usize];
    let (month_id, month_en) = MONTHS[date.month0() as usize];
    format!("{}, {} {} {}", pick(lang, day_id, day_en), date.day(), pick(lang, month_id, month_en), date.year())
}

pub fn identity_error(lang: Lang, error: IdentityError) -> &'static str {
    let (id, en) = match error {
        IdentityError::NikNotSixteenDigits => {
            ("NIK harus terdiri dari 16 angka.", "The NIK must be exactly 16 digits.")
        }
        IdentityError::NikUnknownProvince => (
            "Dua angka pertama NIK bukan kode provinsi yang dikenal.",
            "The first two digits of the NIK are not a known province code.",
        ),
        IdentityError::NikBadRegion => (
            "Kode kabupaten/kota atau kecamatan pada NIK tidak valid.",
            "The regency or district code in the NIK is not valid.",
        ),
        IdentityError::NikBadBirthDate => (
            "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid.",
            "The birth date in the NIK (digits 7 to 12) is not valid.",
        ),
        IdentityError::NikZeroSerial => {
            ("Empat angka terakhir NIK tidak boleh 0000.", "The last four digits of the NIK cannot be 0000.")
        }
        IdentityError::NameLength => ("Nama harus 3 sampai 100 karakter.", "The name must be 3 to 100 characters."),
        IdentityError::NameCharacters => (
            "Nama hanya boleh berisi huruf, spasi, titik, koma, tanda petik dan tanda hubung.",
            "The name may only contain letters, spaces, dots, commas, apostrophes and hyphens.",
        ),
        IdentityError::EmailShape => (
            "Alamat email tidak valid, contoh: nama@contoh.id",
            "The email address is not valid, for example: name@example.com",
        ),
        IdentityError::PhoneNotMobile => (
            "Nomor ponsel harus nomor seluler Indonesia, contoh: 0812 3456 7890.",
            "The number must be an Indonesian mobile number, for example: 0812 3456 7890.",
        ),
    };
    pick(lang, id, en)
}

pub fn field_problem(lang: Lang, problem: FieldProblem) -> String {
    match problem {
        FieldProblem::Identity(error) => identity_error(lang, error).into(),
        FieldProblem::Account(problem) => account_problem(lang, problem).into(),
        FieldProblem::Missing => pick(lang, "Wajib diisi.", "This field is required.").into(),
        FieldProblem::BadDate => pick(lang, "Pilih tanggal yang valid.", "Choose a valid date.").into(),
        FieldProblem::UnknownService => pick(lang, "Pilih loket layanan.", "Choose a service.").into(),
        FieldProblem::UnknownPriority => {
            pick(lang, "Pilih kategori dari daftar.", "Choose a category from the list.").into()
        }
        FieldProblem::Settings(problem) => settings_problem(lang, problem),
        FieldProblem::Webhook(problem) => webhook_problem(lang, problem).into(),
        FieldProblem::NotAChoice => {
            pick(lang, "Pilih salah satu pilihan yang ada.", "Choose one of the options.").into()
        }
        FieldProblem::OutOfRange { min, max } => match lang {
            Lang::Id => format!("Pilih angka {min} sampai {max}."),
            Lang::En => format!("Choose a number from {min} to {max}."),
        },
        FieldProblem::Period(crate::domain::report::PeriodProblem::EndBeforeStart) => {
            pick(lang, "Tanggal akhir sebelum tanggal awal.", "The end date is before the start date.").into()
        }
        FieldProblem::Period(crate::domain::report::PeriodProblem::TooLong) => match lang {
            Lang::Id => format!("Satu laporan paling lama {} hari.", crate::domain::report::MAX_REPORT_DAYS),
            Lang::En => format!("A report covers at most {} days.", crate::domain::report::MAX_REPORT_DAYS),
        },
    }
}

/// Why a value of an office's settings was refused.
pub fn settings_problem(lang: Lang, problem: crate::domain::settings::SettingsProblem) -> String {
    use crate::domain::settings::{
        SettingsProblem, MAX_CALLS, MAX_DAILY_QUOTA, MAX_HORIZON_DAYS, MAX_ORDINARY_WAIT_MINUTES, MAX_PHONE_CAP,
        MAX_PRIORITY_EVERY, MAX_RELEASE_DELAY_MINUTES, MAX_REQUEUE_AFTER,
    };
    let text = match problem {
        SettingsProblem::SlugShape => pick(
            lang,
            "3–40 huruf kecil, angka atau tanda hubung tunggal, diawali huruf (contoh: kantah-badung).",
            "3–40 lowercase letters, digits or single hyphens, starting with a letter (e.g. kantah-badung).",
        ),
        SettingsProblem::SlugTaken => {
            pick(lang, "Alamat ini sudah dipakai kantor lain.", "Another office uses this address.")
        }
        SettingsProblem::TextLength { min, max } => {
            return match lang {
                Lang::Id => format!("Isi {min}–{max} karakter."),
                Lang::En => format!("Use {min}–{max} characters."),
            }
        }
        SettingsProblem::UnknownZone => pick(lang, "Pilih WIB, WITA atau WIT.", "Choose WIB, WITA or WIT."),
        SettingsProblem::TimeShape => {
            pick(lang, "Tulis jam sebagai JJ:MM, misalnya 08:00.", "Write times as HH:MM, e.g. 08:00.")
        }
        SettingsProblem::ClosesBeforeOpens => {
            pick(lang, "Jam tutup harus setelah jam buka.", "The closing time must come after the opening time.")
        }
        SettingsProblem::PrefixShape => pick(lang, "Satu huruf A–Z.", "One letter A–Z."),
        SettingsProblem::PrefixTaken => pick(
            lang,
            "Huruf ini sudah dipakai layanan lain di kantor ini.",
            "Another service of this office uses this letter.",
        ),
        SettingsProblem::QuotaRange => {
            return match lang {
                Lang::Id => format!("Kuota berupa bilangan bulat 0–{MAX_DAILY_QUOTA}."),
                Lang::En => format!("The quota is a whole number from 0 to {MAX_DAILY_QUOTA}."),
            }
        }
        SettingsProblem::HorizonRange => {
            return match lang {
                Lang::Id => format!("Jangka pemesanan berupa bilangan bulat 0–{MAX_HORIZON_DAYS} hari."),
                Lang::En => format!("The booking horizon is a whole number from 0 to {MAX_HORIZON_DAYS} days."),
            }
        }
        SettingsProblem::DateShape => pick(lang, "Pilih tanggal yang valid.", "Choose a valid date."),
        SettingsProblem::MaxCallsRange => {
            return match lang {
                Lang::Id => format!("Bilangan bulat 1–{MAX_CALLS}."),
                Lang::En => format!("A whole number from 1 to {MAX_CALLS}."),
            }
        }
        SettingsProblem::UnknownChannels => pick(lang, "Pilih salah satu cara.", "Choose one of the ways."),
        SettingsProblem::UnknownPriorityMode => pick(lang, "Pilih salah satu aturan.", "Choose one of the rules."),
        SettingsProblem::PriorityEveryRange => {
            return format!("{} 2–{MAX_PRIORITY_EVERY}.", pick(lang, "Isi bilangan bulat", "Enter a whole number"))
        }
        SettingsProblem::OrdinaryMaxWaitRange => {
            return format!("{} 0–{MAX_ORDINARY_WAIT_MINUTES}.", pick(lang, "Isi menit", "Enter minutes"))
        }
        SettingsProblem::ReserveAboveQuota => {
            pick(lang, "Bilangan bulat dari 0 sampai kuota harian.", "A whole number from 0 up to the daily quota.")
        }
        SettingsProblem::RetentionRange => {
            use crate::domain::audit::Retention;
            let (min, max) = (Retention::MIN_DAYS, Retention::MAX_DAYS);
            return match lang {
                Lang::Id => format!("Bilangan bulat {min}–{max} (hari)."),
                Lang::En => format!("A whole number of days from {min} to {max}."),
            };
        }
        SettingsProblem::TooManyApiKeys => {
            let max = crate::domain::api_key::LIVE_KEYS_PER_OFFICE;
            return match lang {
                Lang::Id => format!("Kantor ini sudah punya {max} kunci aktif; cabut yang tidak dipakai dahulu."),
                Lang::En => format!("This office already has {max} active keys; revoke one that is not used first."),
            };
        }
        SettingsProblem::ReminderHourRange => {
            return pick(lang, "Jam 0–23, waktu kantor.", "An hour from 0 to 23, office time.").to_string()
        }
        SettingsProblem::ReleaseDelayRange => {
            return match lang {
                Lang::Id => format!("Bilangan bulat 0–{MAX_RELEASE_DELAY_MINUTES} (menit)."),
                Lang::En => format!("A whole number of minutes from 0 to {MAX_RELEASE_DELAY_MINUTES}."),
            }
        }
        SettingsProblem::PhoneCapRange => {
            return match lang {
                Lang::Id => format!("Bilangan bulat 1–{MAX_PHONE_CAP}."),
                Lang::En => format!("A whole number from 1 to {MAX_PHONE_CAP}."),
            }
        }
        SettingsProblem::RequeueRange => {
            return match lang {
                Lang::Id => format!("Bilangan bulat 0–{MAX_REQUEUE_AFTER}."),
                Lang::En => format!("A whole number from 0 to {MAX_REQUEUE_AFTER}."),
            }
        }
        SettingsProblem::HolidayPast => pick(lang, "Tanggal ini sudah lewat.", "This date has passed."),
        SettingsProblem::HolidayTaken => {
            pick(lang, "Tanggal ini sudah menjadi hari libur.", "This date is already a holiday.")
        }
        SettingsProblem::CounterNameTaken => pick(
            lang,
            "Nama loket ini sudah dipakai di kantor ini.",
            "This office already has a counter with this name.",
        ),
        SettingsProblem::CounterInUse => pick(
            lang,
            "Loket ini sudah pernah memanggil antrean, jadi tidak dapat dihapus. Ubah namanya atau layanannya.",
            "This counter has called tickets, so it cannot be removed. Rename it or change its services.",
        ),
        SettingsProblem::CounterNeedsService => {
            pick(lang, "Pilih minimal satu layanan untuk loket ini.", "Choose at least one service for this counter.")
        }
    };
    text.to_string()
}

pub fn account_problem(lang: Lang, problem: AccountProblem) -> &'static str {
    match problem {
        AccountProblem::UsernameShape => pick(
            lang,
            "3–32 huruf kecil, angka, titik, tanda hubung atau garis bawah, diawali huruf.",
            "3–32 lowercase letters, digits, dots, hyphens or underscores, starting with a letter.",
        ),
        AccountProblem::UsernameTaken => pick(lang, "Nama pengguna ini sudah dipakai.", "This username is taken."),
        AccountProblem::PasswordTooShort => pick(
            lang,
            "Kata sandi minimal 10 karakter (boleh berupa kalimat).",
            "The password needs at least 10 characters (a phrase is fine).",
        ),
        AccountProblem::OfficeNeeded => pick(
            lang,
            "Akun petugas dan kios harus terikat pada satu kantor.",
            "Staff and kiosk accounts belong to one office.",
        ),
        AccountProblem::OwnAccount => {
            pick(lang, "Anda tidak dapat menonaktifkan akun Anda sendiri.", "You cannot disable your own account.")
        }
        AccountProblem::CurrentPasswordWrong => {
            pick(lang, "Kata sandi saat ini salah.", "The current password is wrong.")
        }
    }
}

pub fn role_name(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Admin => pick(lang, "Admin", "Admin"),
        Role::Staff => pick(lang, "Petugas", "Staff"),
        Role::Kiosk => pick(lang, "Kios / papan", "Kiosk / board"),
    }
}

pub fn refusal(lang: Lang, refusal: &BookingRefusal) -> String {
    match refusal {
        BookingRefusal::OfficeClosedNow => pick(
            lang,
            "Kantor sedang tutup, jadi nomor untuk hari ini tidak tersedia. Silakan pilih tanggal kedatangan.",
            "The office is closed now, so there are no numbers for today. Please choose a date to come.",
        )
        .to_string(),
        BookingRefusal::TodayFull => pick(
            lang,
            "Kuota hari ini sudah habis. Silakan pilih tanggal kedatangan.",
            "Today's quota is used up. Please choose a date to come.",
        )
        .to_string(),
        BookingRefusal::DateInPast => {
            pick(lang, "Tanggal yang dipilih sudah lewat.", "The chosen date has passed.").to_string()
        }
        BookingRefusal::DateBeyondHorizon { last_bookable } => match lang {
            Lang::Id => format!("Pemesanan hanya dapat dilakukan sampai {}.", long_date(lang, *last_bookable)),
            Lang::En => format!("Bookings can only be made up to {}.", long_date(lang, *last_bookable)),
        },
        BookingRefusal::NoRoomWithinHorizon { last_bookable } => match lang {
            Lang::Id => format!(
                "Semua hari kerja sampai {} sudah penuh. Silakan coba lagi besok.",
                long_date(lang, *last_bookable)
            ),
            Lang::En => format!(
                "Every working day up to {} is full. Please try again tomorrow.",
                long_date(lang, *last_bookable)
            ),
        },
        BookingRefusal::NikHeldElsewhere => pick(
            lang,
            "NIK ini sudah memiliki nomor untuk layanan dan hari ini. Jika bukan milik Anda, silakan datang ke kantor \
             dengan KTP Anda.",
            "This NIK already has a number for this service and day. If it is not yours, please ask at the office \
             with your KTP.",
        )
        .to_string(),
        BookingRefusal::PhoneHasServiceDay => pick(
            lang,
            "Nomor HP ini sudah memiliki nomor untuk layanan ini pada hari tersebut. Lihat atau batalkan nomor itu di \
             \"Tiket saya\". Nomor yang baru dibatalkan masih dihitung sampai tempatnya dibuka kembali \
             (jeda yang ditetapkan kantor).",
            "This phone already holds a number for this service on that day. See or cancel it under \"My tickets\". \
             A number just cancelled still counts until its place is opened again (a delay the office sets).",
        )
        .to_string(),
        BookingRefusal::PhoneOfficeDayFull { most } => match lang {
            Lang::Id => format!(
                "Satu nomor HP dapat memegang paling banyak {most} nomor di kantor ini pada hari yang sama \
                 (nomor yang baru dibatalkan masih dihitung selama jeda yang ditetapkan kantor). \
                 Batalkan salah satu di \"Tiket saya\" atau pilih hari lain."
            ),
            Lang::En => format!(
                "One phone can hold at most {most} numbers at this office on the same day \
                 (a number just cancelled still counts for a delay the office sets). \
                 Cancel one under \"My tickets\" or choose another day."
            ),
        },
        BookingRefusal::PhoneUpcomingFull { most } => match lang {
            Lang::Id => format!(
                "Satu nomor HP dapat memegang paling banyak {most} nomor yang akan datang \
                 (nomor yang baru dibatalkan masih dihitung selama jeda yang ditetapkan kantor). \
                 Batalkan yang tidak diperlukan di \"Tiket saya\", atau tunggu sampai salah satunya selesai."
            ),
            Lang::En => format!(
                "One phone can hold at most {most} upcoming numbers \
                 (a number just cancelled still counts for a delay the office sets). \
                 Cancel one you no longer need under \"My tickets\", or wait until one is done."
            ),
        },
        BookingRefusal::WalkInOnly => pick(
            lang,
            "Layanan ini tidak dapat dipesan daring. Silakan ambil nomor di kantor, pada jam buka.",
            "This service cannot be booked online. Please take a number at the office during opening hours.",
        )
        .to_string(),
        BookingRefusal::OnlineOnly => pick(
            lang,
            "Layanan ini hanya dapat dipesan daring atau melalui petugas.",
            "This service can only be booked online or through staff.",
        )
        .to_string(),
        BookingRefusal::PriorityNotOffered => pick(
            lang,
            "Kantor ini tidak melayani kategori prioritas tersebut melalui cara ini. Petugas di kantor dapat membantu.",
            "This office does not serve that priority category this way. Staff at the office can help.",
        )
        .to_string(),
    }
}

pub fn app_error(lang: Lang, error: &AppError) -> String {
    match error {
        AppError::Invalid(_) => t(lang, Key::FixErrors).to_string(),
        AppError::Refused(reason) => refusal(lang, reason),
        AppError::NotFound => pick(lang, "Data tidak ditemukan.", "Not found.").to_string(),
        AppError::NotSignedIn => pick(lang, "Silakan masuk terlebih dahulu.", "Please sign in first.").to_string(),
        AppError::ApiKeyInvalid => pick(
            lang,
            "Kunci API tidak ada, tidak dikenal, atau sudah dicabut. Kirim header \"Authorization: Bearer <kunci>\".",
            "The API key is missing, unknown or revoked. Send the header \"Authorization: Bearer <key>\".",
        )
        .to_string(),
        AppError::ApiRateLimited(seconds) => match lang {
            Lang::Id => format!(
                "Kunci ini sudah memakai {} permintaan menit ini. Coba lagi dalam {seconds} detik.",
                crate::domain::api_key::REQUESTS_PER_MINUTE
            ),
            Lang::En => format!(
                "This key has used its {} requests this minute. Try again in {seconds} seconds.",
                crate::domain::api_key::REQUESTS_PER_MINUTE
            ),
        },
        AppError::Forbidden => {
            pick(lang, "Anda tidak berhak melakukan tindakan ini.", "You are not allowed to do this.").to_string()
        }
        AppError::CodeWrong { tries_left } => match lang {
            Lang::Id => format!("Kode akses salah. Sisa percobaan: {tries_left}."),
            Lang::En => format!("Wrong access code. Tries left: {tries_left}."),
        },
        AppError::CodeDead => pick(
            lang,
            "Kode akses sudah tidak berlaku. Silakan minta kode baru.",
            "This access code is no longer valid. Please ask for a new code.",
        )
        .to_string(),
        AppError::CodeWait(seconds) => match lang {
            Lang::Id => format!("Kode baru dapat diminta dalam {seconds} detik."),
            Lang::En => format!("You can ask for a new code in {seconds} seconds."),
        },
        AppError::CodeTooMany(minutes) => match (lang, *minutes) {
            (Lang::Id, ..=90) => format!("Terlalu banyak permintaan kode. Coba lagi dalam {minutes} menit."),
            (Lang::En, ..=90) => format!("Too many code requests. Try again in {minutes} minutes."),
            (Lang::Id, _) => format!("Terlalu banyak permintaan kode. Coba lagi dalam {} jam.", (minutes + 59) / 60),
            (Lang::En, _) => format!("Too many code requests. Try again in {} hours.", (minutes + 59) / 60),
        },
        AppError::SmsFailed => pick(
            lang,
            "SMS tidak dapat dikirim saat ini. Isian Anda tidak hilang; silakan coba lagi.",
            "The SMS could not be sent right now. Nothing you entered is lost; please try again.",
        )
        .to_string(),
        AppError::StaffSignInWrong => {
            pick(lang, "Nama pengguna atau kata sandi salah.", "Wrong username or password.").to_string()
        }
        AppError::Counter(refusal) => counter_refusal(lang, *refusal),
        AppError::Account(problem) => account_problem(lang, *problem).to_string(),
        AppError::StaffLocked(minutes) => match lang {
            Lang::Id => format!(
                "Terlalu banyak kata sandi salah dari jaringan ini; masuk dari sini dikunci. Coba lagi dalam {minutes} menit."
            ),
            Lang::En => format!(
                "Too many wrong passwords from this network; signing in from here is locked. Try again in {minutes} minutes."
            ),
        },
        AppError::ProofOfWorkNeeded(_) => pick(
            lang,
            "Banyak permintaan saat ini. Perangkat Anda sedang memeriksa bahwa ini bukan robot; permintaan Anda \
             dikirim ulang dalam beberapa detik. Tanpa JavaScript, silakan coba lagi nanti.",
            "Many requests right now. Your device is proving it is not a robot; your request is sent again in a \
             few seconds. Without JavaScript, please try again later.",
        )
        .to_string(),
        AppError::NotCancellable => t(lang, Key::CancelLinkTooLate).to_string(),
        AppError::KioskTooFast => pick(
            lang,
            "Kios ini baru saja mencetak banyak nomor. Silakan tunggu sebentar, atau minta bantuan petugas.",
            "This kiosk has just printed many numbers. Please wait a moment, or ask the staff for help.",
        )
        .to_string(),
        AppError::FeedbackClosed => t(lang, Key::FeedbackClosed).to_string(),
        AppError::CancelLinkExpired => pick(
            lang,
            "Tautan pembatalan ini sudah tidak berlaku: hari antreannya sudah lewat.",
            "This cancel link no longer works: the day of the number has passed.",
        )
        .to_string(),
        AppError::PushServiceRefused => pick(
            lang,
            "Layanan notifikasi peramban ini tidak dapat dipakai. Anda tetap menerima SMS.",
            "This browser's notification service cannot be used. You still get SMS.",
        )
        .to_string(),
        AppError::SignInBusy => pick(
            lang,
            "Terlalu banyak permintaan masuk saat ini. Coba lagi dalam beberapa detik.",
            "Too many sign-ins right now. Please try again in a few seconds.",
        )
        .to_string(),
        AppError::Busy => pick(
            lang,
            "Sistem sedang sibuk dengan perubahan lain. Tidak ada yang tercatat; coba lagi sebentar lagi.",
            "The system is busy with other changes. Nothing was recorded; please try again in a moment.",
        )
        .to_string(),
        AppError::PasswordChangeNeeded => pick(
            lang,
            "Kata sandi akun ini dibuat oleh sistem. Gantilah dulu kata sandinya di halaman petugas.",
            "This account's password was made by the system. Please change it first on the staff page.",
        )
        .to_string(),
        AppError::Internal => pick(
            lang,
            "Terjadi gangguan di server. Isian Anda tidak hilang; silakan coba lagi.",
            "Something went wrong on the server. Nothing you entered is lost; please try again.",
        )
        .to_string(),
        AppError::Transport(_) => pick(
            lang,
            "Tidak dapat terhubung ke server. Periksa koneksi Anda lalu coba lagi.",
            "Could not reach the server. Check your connection and try again.",
        )
        .to_string(),
        AppError::Malformed => pick(
            lang,
            "Permintaan tidak dapat dibaca: ada isian yang hilang atau rusak. Muat ulang halaman lalu coba lagi.",
            "The request could not be read: a field is missing or damaged. Reload the page and try again.",
        )
        .to_string(),
        AppError::TooLarge => pick(
            lang,
            "Isian terlalu besar untuk dikirim. Persingkat isian lalu coba lagi.",
            "What you entered is too large to send. Shorten it and try again.",
        )
        .to_string(),
    }
}

/// "Giliran Anda — menuju Loket 3".
pub fn your_turn_text(lang: Lang, counter: &str) -> String {
    match lang {
        Lang::Id => format!("Giliran Anda — menuju {counter}"),
        Lang::En => format!("Your turn — go to {counter}"),
    }
}

pub fn counter_refusal(lang: Lang, refusal: CounterRefusal) -> String {
    match refusal {
        CounterRefusal::NotOpen => pick(lang, "Loket belum dibuka.", "The counter is not open.").to_string(),
        CounterRefusal::Busy => pick(
            lang,
            "Selesaikan dulu nomor yang sedang dipanggil atau dilayani.",
            "Finish the number that is called or being served first.",
        )
        .to_string(),
        CounterRefusal::NoneWaiting => pick(lang, "Tidak ada antrean yang menunggu.", "Nobody is waiting.").to_string(),
        CounterRefusal::NothingCalled => {
            pick(lang, "Belum ada nomor yang dipanggil.", "No number has been called.").to_string()
        }
        CounterRefusal::CallsUsedUp => pick(
            lang,
            "Nomor ini sudah dipanggil sebanyak batas maksimal; tandai tidak hadir.",
            "This number has been called the maximum number of times; mark it as not present.",
        )
        .to_string(),
        CounterRefusal::TooFewCalls { calls, needed } => match lang {
            Lang::Id => format!("Panggil ulang dulu: baru {calls} dari {needed} panggilan."),
            Lang::En => format!("Call again first: {calls} of {needed} calls so far."),
        },
        CounterRefusal::WrongState => {
            pick(lang, "Tindakan ini tidak berlaku untuk nomor ini.", "This does not apply to this number.").to_string()
        }
    }
}

/// Why the ticket is on another date than the one chosen.
pub fn rollover(lang: Lang, reason: &RolloverReason, requested: NaiveDate, given: NaiveDate) -> String {
    let (requested, given) = (long_date(lang, requested), long_date(lang, given));
    match (lang, reason) {
        (Lang::Id, RolloverReason::RequestedDayFull) => {
            format!("Kuota {requested} sudah penuh, jadi nomor Anda untuk {given}.")
        }
        (Lang::En, RolloverReason::RequestedDayFull) => {
            format!("{requested} is fully booked, so your number is for {given}.")
        }
        (Lang::Id, RolloverReason::RequestedDayOver) => {
            format!("Layanan {requested} sudah berakhir, jadi nomor Anda untuk {given}.")
        }
        (Lang::En, RolloverReason::RequestedDayOver) => {
            format!("Service on {requested} has ended, so your number is for {given}.")
        }
        (Lang::Id, RolloverReason::RequestedDayClosed(ClosedReason::ClosedWeekday)) => {
            format!("Kantor tutup pada {requested}, jadi nomor Anda untuk {given}.")
        }
        (Lang::En, RolloverReason::RequestedDayClosed(ClosedReason::ClosedWeekday)) => {
            format!("The office is closed on {requested}, so your number is for {given}.")
        }
        (Lang::Id, RolloverReason::RequestedDayClosed(ClosedReason::Holiday(name))) => {
            format!("{requested} adalah hari libur ({name}), jadi nomor Anda untuk {given}.")
        }
        (Lang::En, RolloverReason::RequestedDayClosed(ClosedReason::Holiday(name))) => {
            format!("{requested} is a holiday ({name}), so your number is for {given}.")
        }
    }
}

pub fn weekday_name(lang: Lang, weekday: usize) -> &'static str {
    let (id, en) = DAYS[weekday % 7];
    pick(lang, id, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_cap_refusal_names_the_cap_and_what_to_do_in_both_languages() {
        let office_day = BookingRefusal::PhoneOfficeDayFull { most: 2 };
        assert!(refusal(Lang::Id, &office_day).contains("paling banyak 2 nomor di kantor ini"));
        assert!(refusal(Lang::En, &office_day).contains("at most 2 numbers at this office"));
        let upcoming = BookingRefusal::PhoneUpcomingFull { most: 5 };
        assert!(refusal(Lang::Id, &upcoming).contains("paling banyak 5 nomor yang akan datang"));
        assert!(refusal(Lang::En, &upcoming).contains("at most 5 upcoming numbers"));
        for lang in [Lang::Id, Lang::En] {
            for cap in [office_day.clone(), upcoming.clone(), BookingRefusal::PhoneHasServiceDay] {
                assert!(refusal(lang, &cap).contains(t(lang, Key::MyTickets)), "{cap:?} says where to cancel");
            }
            assert!(refusal(lang, &BookingRefusal::NikHeldElsewhere).contains("KTP"));
        }
    }

    #[test]
    fn dates_are_written_out_in_each_language() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(long_date(Lang::Id, date), "Senin, 23 November 2026");
        assert_eq!(long_date(Lang::En, date), "Monday, 23 November 2026");
    }

    #[test]
    fn the_language_cookie_picks_english_and_defaults_to_indonesian() {
        assert_eq!(Lang::from_cookie_header("a=b; lang=en"), Lang::En);
        assert_eq!(Lang::from_cookie_header("lang=id"), Lang::Id);
        assert_eq!(Lang::from_cookie_header("other=1"), Lang::Id);
    }
}
