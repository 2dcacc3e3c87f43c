//! One-time access codes sent by SMS ("kode akses"). A code is 6 characters from
//! an alphabet without look-alikes, lives 5 minutes, and dies after 5 wrong
//! tries. New codes are rationed per phone and per client address. This module
//! holds the rules; the store keeps only a keyed hash of each code.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// No 0/O, no 1/I/L: what is read from an SMS is typed back without doubt.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LENGTH: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtpPolicy {
    pub lifetime: Duration,
    pub max_wrong_tries: u32,
    pub resend_after: Duration,
    pub per_phone_per_hour: usize,
    /// A day's codes to one phone, however they are spread over its hours: a
    /// victim's phone is not sent 24 hours' worth of codes.
    pub per_phone_per_day: usize,
    pub per_client_per_hour: usize,
    /// Past this, code requests must carry a proof of work.
    pub budget: SmsBudget,
}

/// Access-code SMS the site sends in an hour before requests must carry a
/// proof of work: in all, and to one range of numbers (SMS pumping sends to
/// numbers of one range, whose operator pays the fraudster).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsBudget {
    pub per_hour: u32,
    pub per_prefix_per_hour: u32,
}

impl Default for SmsBudget {
    fn default() -> Self {
        Self { per_hour: 1000, per_prefix_per_hour: 100 }
    }
}

/// At this many times its budget (in all, or to one range), the site sends
/// no more codes in the hour, whatever work a request proves: a fraudster
/// with the CPU to solve every puzzle would otherwise be sent SMS without end.
pub const SPENT_AT_TIMES_BUDGET: f64 = 8.0;

/// Where the site stands against its SMS budget of the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetState {
    Under,
    /// A code request must prove this much work (the puzzle's `max_number`).
    ProofNeeded(u64),
    /// No code is sent until the hour's count falls.
    Spent,
}

impl SmsBudget {
    /// The site's state given the codes of the last hour (in all, and to the
    /// number's range): past the budget a request must prove work, harder as
    /// the rate rises, and past `SPENT_AT_TIMES_BUDGET` it is refused.
    pub fn state(&self, sent: u64, sent_to_prefix: u64) -> BudgetState {
        let ratio = |sent: u64, budget: u32| sent as f64 / f64::from(budget.max(1));
        let load = ratio(sent, self.per_hour).max(ratio(sent_to_prefix, self.per_prefix_per_hour));
        if load >= SPENT_AT_TIMES_BUDGET {
            BudgetState::Spent
        } else if load >= 1.0 {
            BudgetState::ProofNeeded(super::proof_of_work::difficulty(load))
        } else {
            BudgetState::Under
        }
    }
}

/// The range of numbers a phone number belongs to for the budget: the country
/// code and the first five national digits (+62 812 34…).
pub fn number_range(phone: &super::identity::PhoneNumber) -> &str {
    let e164 = phone.as_str();
    e164.get(..8).unwrap_or(e164)
}

impl Default for OtpPolicy {
    fn default() -> Self {
        Self {
            lifetime: Duration::minutes(5),
            max_wrong_tries: 5,
            resend_after: Duration::seconds(60),
            per_phone_per_hour: 5,
            per_phone_per_day: 10,
            per_client_per_hour: 20,
            budget: SmsBudget::default(),
        }
    }
}

/// Whether a new code may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendDecision {
    Send,
    /// The last code for this phone went out less than a minute ago.
    WaitSeconds(i64),
    /// Too many codes for this phone in the past hour or day, or from this
    /// client in the past hour.
    TooMany {
        retry_in_minutes: i64,
    },
    /// The site is past its SMS budget: the request must prove this much work.
    ProofNeeded {
        max_number: u64,
    },
}

/// How far back `may_send` looks at the codes sent to a phone.
pub const PHONE_LOOKBACK: Duration = Duration::days(1);
/// How long a code's row is kept: longer than any count looks back.
pub const CODES_KEPT: Duration = Duration::days(2);
/// How far back `may_send` looks at the codes a client asked for.
pub const CLIENT_LOOKBACK: Duration = Duration::hours(1);

/// Decides from the send times (any order) of the past `PHONE_LOOKBACK` for
/// the phone and of the past `CLIENT_LOOKBACK` for the client. The phone's
/// owner (`known_phone`: a browser where a code to it was typed back before)
/// may go on to twice the day's cap: the cap keeps strangers from flooding a
/// phone and must not let them shut its owner out for the day, while a
/// fraudster who owns the numbers it pumps is still held to a day's count.
pub fn may_send(
    policy: &OtpPolicy,
    now: DateTime<Utc>,
    sent_to_phone: &[DateTime<Utc>],
    sent_from_client: &[DateTime<Utc>],
    known_phone: bool,
) -> SendDecision {
    let within = |times: &[DateTime<Utc>], span: Duration| -> Vec<DateTime<Utc>> {
        let mut kept: Vec<_> = times.iter().copied().filter(|t| *t > now - span).collect();
        kept.sort();
        kept
    };
    let hour = Duration::hours(1);
    let (phone_day, phone_hour) = (within(sent_to_phone, PHONE_LOOKBACK), within(sent_to_phone, hour));
    let client = within(sent_from_client, CLIENT_LOOKBACK);
    if let Some(last) = phone_hour.last() {
        let wait = *last + policy.resend_after - now;
        if wait > Duration::zero() {
            return SendDecision::WaitSeconds(wait.num_seconds().max(1));
        }
    }
    // Past a cap, the wait until the oldest send it counts ages out.
    let over = |times: &[DateTime<Utc>], cap: usize, span: Duration| {
        (times.len() >= cap).then(|| times[times.len() - cap] + span - now)
    };
    let waits = [
        over(&phone_hour, policy.per_phone_per_hour, hour),
        over(&phone_day, policy.per_phone_per_day * if known_phone { 2 } else { 1 }, PHONE_LOOKBACK),
        over(&client, policy.per_client_per_hour, CLIENT_LOOKBACK),
    ];
    match waits.into_iter().flatten().max() {
        Some(wait) => SendDecision::TooMany { retry_in_minutes: (wait.num_seconds() + 59) / 60 },
        None => SendDecision::Send,
    }
}

/// The state of an issued code as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuedCode {
    pub sent_at: DateTime<Utc>,
    pub wrong_tries: u32,
    pub used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerifyOutcome {
    Accepted,
    Wrong {
        tries_left: u32,
    },
    /// Expired, used up, or killed by too many wrong tries: a new code is needed.
    Dead,
}

/// Judges one attempt. `matches` is the constant-time comparison of the keyed hashes.
pub fn judge_attempt(policy: &OtpPolicy, code: &IssuedCode, now: DateTime<Utc>, matches: bool) -> VerifyOutcome {
    let alive = !code.used && code.wrong_tries < policy.max_wrong_tries && now < code.sent_at + policy.lifetime;
    match (alive, matches) {
        (false, _) => VerifyOutcome::Dead,
        (true, true) => VerifyOutcome::Accepted,
        (true, false) => {
            let tries_left = policy.max_wrong_tries - code.wrong_tries - 1;
            if tries_left == 0 {
                VerifyOutcome::Dead
            } else {
                VerifyOutcome::Wrong { tries_left }
            }
        }
    }
}

/// What the citizen typed, in the form the code was issued: upper case, no spaces.
/// `None` when it cannot be a code at all (then it still counts as a wrong try).
pub fn normalize(input: &str) -> Option<String> {
    let code: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A code from random bytes (one byte per character; rejection keeps it uniform).
pub fn code_from_random(mut next_byte: impl FnMut() -> u8) -> String {
    let limit = 256 - 256 % CODE_ALPHABET.len();
    let mut code = String::with_capacity(CODE_LENGTH);
    while code.len() < CODE_LENGTH {
        let byte = usize::from(next_byte());
        if byte < limit {
            code.push(char::from(CODE_ALPHABET[byte % CODE_ALPHABET.len()]));
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_budget_in_all_or_to_one_range_a_proof_is_needed() {
        use crate::domain::proof_of_work::NORMAL_MAX_NUMBER;
        let budget = SmsBudget { per_hour: 100, per_prefix_per_hour: 10 };
        assert_eq!(budget.state(99, 9), BudgetState::Under);
        assert_eq!(budget.state(100, 0), BudgetState::ProofNeeded(NORMAL_MAX_NUMBER));
        assert_eq!(budget.state(5, 10), BudgetState::ProofNeeded(NORMAL_MAX_NUMBER));
        assert_eq!(budget.state(5, 40), BudgetState::ProofNeeded(4 * NORMAL_MAX_NUMBER), "harder as the rate rises");
        assert_eq!(budget.state(5, 79), BudgetState::ProofNeeded(4 * NORMAL_MAX_NUMBER));
        assert_eq!(budget.state(5, 80), BudgetState::Spent, "eight times the range's budget");
        assert_eq!(budget.state(800, 0), BudgetState::Spent, "eight times the budget in all");
        let phone = crate::domain::identity::PhoneNumber::parse("0812 3456 7890").unwrap();
        assert_eq!(number_range(&phone), "+6281234");
    }

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn issued(wrong_tries: u32) -> IssuedCode {
        IssuedCode { sent_at: t0(), wrong_tries, used: false }
    }

    #[test]
    fn the_first_code_for_a_phone_is_sent() {
        assert_eq!(may_send(&OtpPolicy::default(), t0(), &[], &[], false), SendDecision::Send);
    }

    #[test]
    fn a_new_code_waits_sixty_seconds_after_the_last() {
        let policy = OtpPolicy::default();
        let sent = [t0()];
        assert_eq!(may_send(&policy, t0() + Duration::seconds(20), &sent, &sent, false), SendDecision::WaitSeconds(40));
        assert_eq!(may_send(&policy, t0() + Duration::seconds(60), &sent, &sent, false), SendDecision::Send);
    }

    #[test]
    fn a_sixth_code_within_an_hour_is_refused_until_the_first_ages_out() {
        let policy = OtpPolicy::default();
        let sent: Vec<_> = (0..5).map(|i| t0() + Duration::minutes(i * 2)).collect();
        let now = t0() + Duration::minutes(10);
        assert_eq!(may_send(&policy, now, &sent, &[], false), SendDecision::TooMany { retry_in_minutes: 50 });
        assert_eq!(may_send(&policy, t0() + Duration::minutes(61), &sent, &[], false), SendDecision::Send);
    }

    #[test]
    fn an_eleventh_code_within_a_day_is_refused_however_spread() {
        let policy = OtpPolicy::default();
        // Four an hour, under the hourly cap, for two and a half hours.
        let sent: Vec<_> = (0..10).map(|i| t0() + Duration::minutes(i * 15)).collect();
        let now = t0() + Duration::hours(3);
        assert_eq!(may_send(&policy, now, &sent, &[], false), SendDecision::TooMany { retry_in_minutes: 21 * 60 });
        assert_eq!(
            may_send(&policy, t0() + Duration::hours(24) + Duration::minutes(1), &sent, &[], false),
            SendDecision::Send
        );
        // The phone's owner, in a browser where a code to it was typed back before, goes on to twice it.
        assert_eq!(may_send(&policy, now, &sent, &[], true), SendDecision::Send);
        let twenty: Vec<_> = (0..20).map(|i| t0() + Duration::minutes(i * 15)).collect();
        let later = t0() + Duration::hours(6);
        assert!(matches!(may_send(&policy, later, &twenty, &[], true), SendDecision::TooMany { .. }));
    }

    #[test]
    fn one_client_cannot_send_to_many_phones() {
        let policy = OtpPolicy::default();
        let from_client: Vec<_> = (0..20).map(|i| t0() + Duration::seconds(i)).collect();
        assert!(matches!(
            may_send(&policy, t0() + Duration::minutes(5), &[], &from_client, false),
            SendDecision::TooMany { .. }
        ));
    }

    #[test]
    fn the_right_code_within_five_minutes_is_accepted() {
        let at = t0() + Duration::seconds(299);
        assert_eq!(judge_attempt(&OtpPolicy::default(), &issued(0), at, true), VerifyOutcome::Accepted);
    }

    #[test]
    fn a_code_is_dead_after_five_minutes_even_if_right() {
        let at = t0() + Duration::minutes(5);
        assert_eq!(judge_attempt(&OtpPolicy::default(), &issued(0), at, true), VerifyOutcome::Dead);
    }

    #[test]
    fn the_fifth_wrong_try_kills_the_code() {
        let policy = OtpPolicy::default();
        assert_eq!(judge_attempt(&policy, &issued(0), t0(), false), VerifyOutcome::Wrong { tries_left: 4 });
        assert_eq!(judge_attempt(&policy, &issued(3), t0(), false), VerifyOutcome::Wrong { tries_left: 1 });
        assert_eq!(judge_attempt(&policy, &issued(4), t0(), false), VerifyOutcome::Dead);
        assert_eq!(judge_attempt(&policy, &issued(5), t0(), true), VerifyOutcome::Dead);
    }

    #[test]
    fn a_used_code_cannot_be_used_again() {
        let used = IssuedCode { used: true, ..issued(0) };
        assert_eq!(judge_attempt(&OtpPolicy::default(), &used, t0(), true), VerifyOutcome::Dead);
    }

    #[test]
    fn typed_codes_are_upper_cased_and_look_alikes_refused() {
        assert_eq!(normalize(" ab3 k7z ").as_deref(), Some("AB3K7Z"));
        assert_eq!(normalize("AB0K7Z"), None, "zero is not in the alphabet");
        assert_eq!(normalize("ABCDE"), None);
    }

    #[test]
    fn generated_codes_use_only_the_alphabet() {
        let mut byte = 0u8;
        let code = code_from_random(|| {
            byte = byte.wrapping_add(37);
            byte
        });
        assert_eq!(code.len(), CODE_LENGTH);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
    }
}
