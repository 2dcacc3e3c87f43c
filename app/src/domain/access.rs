//! Who may do what. Every server function names one `Permission` in the table in
//! `api::PERMISSIONS`; this module decides whether a caller has it. Staff rights
//! are bound to an office: a staff member of one office cannot act on another.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Everything, for one office or (without an office) for all.
    Admin,
    /// Operates counters and helps citizens at one office.
    Staff,
    /// A display board or self-service kiosk at one office.
    Kiosk,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Staff => "staff",
            Self::Kiosk => "kiosk",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Admin, Self::Staff, Self::Kiosk].into_iter().find(|r| r.as_str() == value)
    }
}

/// The caller of a server function, as the session says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Citizen { phone: super::identity::PhoneNumber },
    Staff { id: i64, role: Role, office_id: Option<i64> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    Anyone,
    /// A citizen signed in with a verified phone.
    Citizen,
    /// Staff or admin of the office acted on.
    OfficeStaff,
    /// Kiosk, staff or admin of the office acted on.
    OfficeDevice,
    /// Admin of the office acted on (or of all offices).
    Admin,
    /// Any signed-in staff account (staff, admin or kiosk), whatever the office.
    AnyStaff,
}

impl Permission {
    /// Whether `caller` may act on `office` (the office the request concerns, if any).
    pub fn allows(self, caller: &Caller, office: Option<i64>) -> bool {
        let at_office = |own: &Option<i64>| match (own, office) {
            (None, _) => true,
            (Some(own), Some(target)) => *own == target,
            (Some(_), None) => false,
        };
        match (self, caller) {
            (Self::Anyone, _) => true,
            (Self::Citizen, Caller::Citizen { .. }) => true,
            (Self::AnyStaff, Caller::Staff { .. }) => true,
            (Self::OfficeStaff, Caller::Staff { role: Role::Admin | Role::Staff, office_id, .. }) => {
                at_office(office_id)
            }
            (Self::OfficeDevice, Caller::Staff { office_id, .. }) => at_office(office_id),
            (Self::Admin, Caller::Staff { role: Role::Admin, office_id, .. }) => at_office(office_id),
            _ => false,
        }
    }
}

/// Whether `caller` sees a ticket's holder in full (name, and the code on
/// lists): the phone that booked it, or staff of its office. Anyone else
/// holding the link sees the name masked.
pub fn sees_holder(caller: &Caller, holder_phone: Option<&str>, office_id: i64) -> bool {
    match caller {
        Caller::Citizen { phone } => holder_phone == Some(phone.as_str()),
        Caller::Staff { .. } => Permission::OfficeStaff.allows(caller, Some(office_id)),
        Caller::Anonymous => false,
    }
}

/// Staff sign-in lockout: after this many wrong passwords for one username from
/// one address within `LOCKOUT_MINUTES` (since its last right one), that
/// address waits. Other addresses, the owner's among them, are not locked out:
/// an attacker cannot keep an account shut for the people who use it.
pub const MAX_FAILED_SIGN_INS: usize = 5;
pub const LOCKOUT_MINUTES: i64 = 15;
/// Wrong passwords from one address, whatever the usernames, before it waits:
/// slows guessing many accounts from one place.
pub const MAX_FAILED_FROM_ADDRESS: usize = 30;

/// Wrong passwords for one username within `LOCKOUT_MINUTES`, from browsers
/// it does not know, before each such browser must solve a puzzle before its
/// password is checked, harder as they grow (`proof_of_work::difficulty`):
/// guessing one account's password from many addresses, which no
/// per-address limit holds, then costs the guesser's CPU too. The account's
/// known devices are never asked.
pub const USERNAME_FAILURES_BEFORE_PUZZLE: usize = 20;

/// The puzzle (its `max_number`) a browser the account does not know must
/// solve, given the username's wrong passwords of the window; none below
/// `USERNAME_FAILURES_BEFORE_PUZZLE`.
pub fn username_puzzle(failures: usize) -> Option<u64> {
    let load = failures as f64 / USERNAME_FAILURES_BEFORE_PUZZLE as f64;
    (load >= 1.0).then(|| super::proof_of_work::difficulty(load))
}

/// What a sign-in attempt does with the puzzle answer it may carry (see
/// `proof_of_work`): a known device is never asked for one; any other browser
/// must bring one while the password checks are all taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInProof {
    /// Checked without one (a brought answer is left unspent).
    NotNeeded,
    /// The answer brought is spent with the attempt.
    Spend,
    /// Refused until the browser brings one.
    Needed,
}

/// `checks_under_pressure` is asked only when the answer depends on it.
pub fn sign_in_proof(known_device: bool, brought: bool, checks_under_pressure: impl FnOnce() -> bool) -> SignInProof {
    match (known_device, brought) {
        (true, _) => SignInProof::NotNeeded,
        (false, true) => SignInProof::Spend,
        (false, false) if checks_under_pressure() => SignInProof::Needed,
        (false, false) => SignInProof::NotNeeded,
    }
}

/// Whether one more sign-in attempt may have its password checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInGate {
    Open,
    /// Too many wrong passwords for this username from this address.
    Locked {
        until: DateTime<Utc>,
    },
    /// Too many wrong passwords from this address in all.
    Throttled {
        until: DateTime<Utc>,
    },
}

/// Judges an attempt from the wrong passwords already counted (newest first
/// or in any order): those for this username from this address since its last
/// success, and those from this address for any username.
pub fn sign_in_gate(for_username: &[DateTime<Utc>], from_address: &[DateTime<Utc>], now: DateTime<Utc>) -> SignInGate {
    let window = Duration::minutes(LOCKOUT_MINUTES);
    // The lock lasts until the oldest failure that makes up the limit leaves the window.
    let lifted_at = |failures: &[DateTime<Utc>], limit: usize| {
        let mut recent: Vec<_> = failures.iter().filter(|at| now - **at < window).copied().collect();
        recent.sort_unstable_by(|a, b| b.cmp(a));
        recent.get(limit - 1).map(|at| *at + window)
    };
    if let Some(until) = lifted_at(for_username, MAX_FAILED_SIGN_INS) {
        SignInGate::Locked { until }
    } else if let Some(until) = lifted_at(from_address, MAX_FAILED_FROM_ADDRESS) {
        SignInGate::Throttled { until }
    } else {
        SignInGate::Open
    }
}

/// Why an account could not be created or changed as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountProblem {
    /// Usernames are 3–32 lowercase letters, digits, `.`, `-` or `_`, starting with a letter.
    UsernameShape,
    UsernameTaken,
    PasswordTooShort,
    /// Staff and kiosk accounts work at one office.
    OfficeNeeded,
    /// An admin cannot disable their own account: someone must stay able to sign in.
    OwnAccount,
    /// The current password, asked before a new one is set, was wrong.
    CurrentPasswordWrong,
}

/// Long enough to resist guessing with the sign-in lockout; no composition rules
/// (they make passwords harder to remember, not harder to guess).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A staff, admin or kiosk account's sign-in name: 3–32 lowercase letters,
/// digits, dots, hyphens and underscores, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN: u8 = 3;
    pub const MAX: u8 = 32;

    pub fn parse(raw: &str) -> Result<Self, AccountProblem> {
        let username = raw.trim().to_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_');
        let shaped = (usize::from(Self::MIN)..=usize::from(Self::MAX)).contains(&username.len())
            && username.starts_with(|c: char| c.is_ascii_lowercase())
            && username.chars().all(allowed);
        shaped.then_some(Self(username)).ok_or(AccountProblem::UsernameShape)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name a sign-in attempt is looked up, counted and locked under: the
    /// username, or one stand-in no account can have for text that cannot be
    /// anyone's username, so what is typed at the form never grows the
    /// database by more than a username's length.
    pub fn of_sign_in(typed: &str) -> String {
        Self::parse(typed).map(|username| username.0).unwrap_or_else(|_| NOT_A_USERNAME.to_string())
    }
}

/// `Username::of_sign_in`'s stand-in: it does not start with a letter, so no
/// account has it.
const NOT_A_USERNAME: &str = "?";

/// Sign-in attempts are kept this long: the lockout looks back
/// `LOCKOUT_MINUTES`, an account's desk lists a week of wrong passwords.
pub const SIGN_IN_ATTEMPTS_KEPT_DAYS: i64 = 30;

/// A password the system makes for an account (the first admin's, a reset):
/// twelve characters from the access codes' alphabet, `MIN_PASSWORD_CHARS` and
/// more; the account must change it at its first sign-in.
pub fn one_time_password(mut next_byte: impl FnMut() -> u8) -> String {
    super::otp::code_from_random(&mut next_byte) + &super::otp::code_from_random(&mut next_byte)
}

/// Whether an account given a password someone else saw (one the system
/// made, a reset) must change it before anything else: a person must, so that
/// the admin who read it out does not know it; a kiosk keeps it, as it is a
/// device the admin types it into, where nobody would change it.
pub fn must_change_given_password(role: Role) -> bool {
    role != Role::Kiosk
}

/// An admin may not disable the account they are signed in with: an office
/// would be left without anyone to enable it again.
pub fn may_set_active(acting_account: i64, account: i64, active: bool) -> Result<(), AccountProblem> {
    if account == acting_account && !active {
        Err(AccountProblem::OwnAccount)
    } else {
        Ok(())
    }
}

pub fn check_password(password: &str) -> Result<(), AccountProblem> {
    (password.chars().count() >= MIN_PASSWORD_CHARS).then_some(()).ok_or(AccountProblem::PasswordTooShort)
}

/// The office an account of `role` works at: staff and kiosks need one; an admin
/// without one runs every office.
pub fn office_for_role(role: Role, office: Option<i64>) -> Result<Option<i64>, AccountProblem> {
    match (role, office) {
        (Role::Staff | Role::Kiosk, None) => Err(AccountProblem::OfficeNeeded),
        (_, office) => Ok(office),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_guessed_at_twenty_times_asks_unknown_browsers_for_ever_harder_puzzles() {
        use crate::domain::proof_of_work::{HARDEST_MAX_NUMBER, NORMAL_MAX_NUMBER};
        assert_eq!(username_puzzle(19), None);
        assert_eq!(username_puzzle(20), Some(NORMAL_MAX_NUMBER));
        assert_eq!(username_puzzle(40), Some(2 * NORMAL_MAX_NUMBER));
        assert_eq!(username_puzzle(100_000), Some(HARDEST_MAX_NUMBER));
    }

    #[test]
    fn a_sign_in_is_counted_under_the_username_or_one_stand_in_for_what_cannot_be_one() {
        assert_eq!(Username::of_sign_in(" Petugas-1 "), "petugas-1");
        let stand_in = Username::of_sign_in(&"u".repeat(2_000_000));
        assert_eq!(stand_in, Username::of_sign_in("admin'--"));
        assert!(Username::parse(&stand_in).is_err());
        assert!(stand_in.len() <= usize::from(Username::MAX));
    }

    #[test]
    fn the_holder_is_shown_to_their_phone_and_to_staff_of_the_office_only() {
        let owner = Caller::Citizen { phone: crate::domain::identity::PhoneNumber::parse("+6281234567890").unwrap() };
        let other = Caller::Citizen { phone: crate::domain::identity::PhoneNumber::parse("+6281299998888").unwrap() };
        let staff = |role, office_id| Caller::Staff { id: 1, role, office_id };
        assert!(sees_holder(&owner, Some("+6281234567890"), 1));
        assert!(!sees_holder(&other, Some("+6281234567890"), 1));
        assert!(!sees_holder(&other, None, 1), "a walk-in's holder is no citizen's");
        assert!(!sees_holder(&Caller::Anonymous, Some("+6281234567890"), 1));
        assert!(sees_holder(&staff(Role::Staff, Some(1)), None, 1));
        assert!(sees_holder(&staff(Role::Admin, None), None, 1));
        assert!(!sees_holder(&staff(Role::Staff, Some(2)), None, 1));
        assert!(!sees_holder(&staff(Role::Kiosk, Some(1)), None, 1), "a kiosk screen faces the hall");
    }

    #[test]
    fn usernames_are_short_lowercase_words() {
        assert_eq!(Username::parse("  Loket.Satu ").unwrap().as_str(), "loket.satu");
        assert_eq!(Username::parse("kiosk-lobi_2").unwrap().as_str(), "kiosk-lobi_2");
        for bad in ["ab", "2loket", "nama spasi", "ñandu", &"a".repeat(33), ""] {
            assert_eq!(Username::parse(bad), Err(AccountProblem::UsernameShape), "{bad:?}");
        }
    }

    #[test]
    fn a_made_password_is_long_enough_and_no_one_disables_themselves() {
        let mut byte = 0u8;
        let made = one_time_password(|| {
            byte = byte.wrapping_add(7);
            byte
        });
        assert_eq!(made.chars().count(), 12);
        assert!(check_password(&made).is_ok());
        assert_eq!(may_set_active(7, 7, false), Err(AccountProblem::OwnAccount));
        assert!(may_set_active(7, 7, true).is_ok() && may_set_active(7, 8, false).is_ok());
    }

    #[test]
    fn a_known_device_needs_no_puzzle_and_others_need_one_only_under_pressure() {
        assert_eq!(sign_in_proof(true, false, || true), SignInProof::NotNeeded);
        assert_eq!(sign_in_proof(false, false, || true), SignInProof::Needed);
        assert_eq!(sign_in_proof(false, false, || false), SignInProof::NotNeeded);
        assert_eq!(sign_in_proof(false, true, || unreachable!("not asked")), SignInProof::Spend);
    }

    #[test]
    fn passwords_need_ten_characters_of_any_kind() {
        assert_eq!(check_password("sembilan9"), Err(AccountProblem::PasswordTooShort));
        assert_eq!(check_password("kata sandi"), Ok(()));
        assert_eq!(check_password("ééééééééé"), Err(AccountProblem::PasswordTooShort));
    }

    #[test]
    fn only_an_admin_may_work_without_an_office() {
        assert_eq!(office_for_role(Role::Kiosk, None), Err(AccountProblem::OfficeNeeded));
        assert_eq!(office_for_role(Role::Staff, Some(3)), Ok(Some(3)));
        assert_eq!(office_for_role(Role::Admin, None), Ok(None));
    }

    fn staff(role: Role, office: Option<i64>) -> Caller {
        Caller::Staff { id: 1, role, office_id: office }
    }

    #[test]
    fn staff_act_only_at_their_own_office() {
        assert!(Permission::OfficeStaff.allows(&staff(Role::Staff, Some(1)), Some(1)));
        assert!(!Permission::OfficeStaff.allows(&staff(Role::Staff, Some(2)), Some(1)));
    }

    #[test]
    fn an_admin_without_an_office_acts_everywhere() {
        assert!(Permission::Admin.allows(&staff(Role::Admin, None), Some(7)));
        assert!(!Permission::Admin.allows(&staff(Role::Staff, None), Some(7)));
    }

    #[test]
    fn a_kiosk_is_a_device_but_not_staff() {
        assert!(Permission::OfficeDevice.allows(&staff(Role::Kiosk, Some(1)), Some(1)));
        assert!(!Permission::OfficeStaff.allows(&staff(Role::Kiosk, Some(1)), Some(1)));
    }

    #[test]
    fn citizens_and_anonymous_callers_have_no_staff_rights() {
        let citizen = Caller::Citizen { phone: crate::domain::identity::PhoneNumber::parse("+6281234567890").unwrap() };
        for permission in [Permission::OfficeStaff, Permission::OfficeDevice, Permission::Admin, Permission::AnyStaff] {
            assert!(!permission.allows(&citizen, Some(1)));
            assert!(!permission.allows(&Caller::Anonymous, Some(1)));
        }
        assert!(Permission::Citizen.allows(&citizen, None));
        assert!(!Permission::Citizen.allows(&Caller::Anonymous, None));
    }

    #[test]
    fn five_wrong_passwords_from_one_address_lock_it_out_for_fifteen_minutes() {
        let now = Utc::now();
        let ago = |minutes: i64| now - Duration::minutes(minutes);
        assert_eq!(sign_in_gate(&[ago(1), ago(2), ago(3), ago(4)], &[], now), SignInGate::Open);
        let five = [ago(1), ago(2), ago(3), ago(4), ago(5)];
        assert_eq!(sign_in_gate(&five, &five, now), SignInGate::Locked { until: ago(5) + Duration::minutes(15) });
        // Failures older than the window no longer count.
        let old = [ago(1), ago(2), ago(3), ago(4), ago(16)];
        assert_eq!(sign_in_gate(&old, &old, now), SignInGate::Open);
    }

    #[test]
    fn many_wrong_passwords_from_one_address_slow_it_down_whatever_the_usernames() {
        let now = Utc::now();
        let failures: Vec<_> = (0..30).map(|n| now - Duration::seconds(n)).collect();
        assert_eq!(sign_in_gate(&[], &failures[..29], now), SignInGate::Open);
        assert_eq!(
            sign_in_gate(&[], &failures, now),
            SignInGate::Throttled { until: failures[29] + Duration::minutes(15) }
        );
    }
}
