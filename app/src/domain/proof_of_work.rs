//! Proof of work against SMS pumping (ALTCHA-style, no third party). When the
//! site sends more access codes than its hourly budget, a code request must
//! carry the answer to a puzzle the server set: find the number `n` up to
//! `max_number` with SHA-256(salt ‖ n) = challenge. The server knows `n` when
//! it sets the puzzle and signs the challenge with its key, so checking an
//! answer is one hash and one HMAC; finding it costs the browser up to
//! `max_number` hashes (about half on average). The salt carries the puzzle's
//! expiry and difficulty, and the signature covers both through the challenge.
//! The solver is compiled into the browser bundle too.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The difficulty at the budget: well under a second on a low-end phone.
pub const NORMAL_MAX_NUMBER: u64 = 50_000;
/// The most a puzzle asks, however far over the budget the site is.
pub const HARDEST_MAX_NUMBER: u64 = 16 * NORMAL_MAX_NUMBER;

/// A puzzle as the browser receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub salt: String,
    pub challenge: String,
    pub signature: String,
    pub max_number: u64,
}

/// What the browser sends back, in the `pow` form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub salt: String,
    pub number: u64,
    pub challenge: String,
    pub signature: String,
}

impl Solution {
    pub fn of(challenge: &Challenge, number: u64) -> Self {
        Self {
            salt: challenge.salt.clone(),
            number,
            challenge: challenge.challenge.clone(),
            signature: challenge.signature.clone(),
        }
    }

    /// `salt|number|challenge|signature` (the salt holds no `|`).
    pub fn encode(&self) -> String {
        format!("{}|{}|{}|{}", self.salt, self.number, self.challenge, self.signature)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('|');
        let (salt, number, challenge, signature) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        parts.next().is_none().then_some(())?;
        Some(Self {
            salt: salt.to_string(),
            number: number.parse().ok()?,
            challenge: challenge.to_string(),
            signature: signature.to_string(),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of the salt followed by the number in decimal, as hex.
pub fn digest(salt: &str, number: u64) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(number.to_string().as_bytes());
    hex(&hasher.finalize())
}

/// Tries the numbers in `range`; the browser calls it in slices so the page
/// stays responsive.
pub fn solve_within(challenge: &Challenge, range: std::ops::Range<u64>) -> Option<u64> {
    range.into_iter().find(|n| digest(&challenge.salt, *n) == challenge.challenge)
}

/// How hard a puzzle is when the last hour's codes are at `load` times the
/// budget: normal at the budget, doubling with each doubling of the load.
pub fn difficulty(load: f64) -> u64 {
    if !load.is_finite() || load <= 1.0 {
        return NORMAL_MAX_NUMBER;
    }
    let doublings = load.log2().floor().clamp(0.0, 4.0) as u32;
    (NORMAL_MAX_NUMBER << doublings).min(HARDEST_MAX_NUMBER)
}

#[cfg(feature = "ssr")]
pub use setting::{check, set, ProofProblem, Proven};

#[cfg(feature = "ssr")]
mod setting {
    use chrono::{DateTime, Utc};
    use hmac::{Hmac, Mac};
    use rand::Rng;
    use sha2::Sha256;

    use super::{digest, hex, Challenge, Solution};

    /// How long a puzzle may be answered.
    const LIFETIME_SECONDS: i64 = 300;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ProofProblem {
        Forged,
        Expired,
        Wrong,
    }

    /// A puzzle this server set, answered in time.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Proven {
        /// Remembered as used until the puzzle expires: one answer, one request.
        pub challenge: String,
        pub expires_at: DateTime<Utc>,
        /// How hard the puzzle was.
        pub max_number: u64,
    }

    fn sign(key: &[u8], challenge: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(b"antrean-proof-of-work:");
        mac.update(challenge.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// A new puzzle of the given difficulty.
    pub fn set(key: &[u8], max_number: u64, now: DateTime<Utc>) -> Challenge {
        let mut rng = rand::thread_rng();
        let nonce: [u8; 12] = rng.gen();
        let expires = now.timestamp() + LIFETIME_SECONDS;
        let salt = format!("{}?expires={expires}&max={max_number}", hex(&nonce));
        let challenge = digest(&salt, rng.gen_range(0..=max_number));
        Challenge { signature: sign(key, &challenge), salt, challenge, max_number }
    }

    /// Whether `solution` answers a puzzle this server set, still valid; how
    /// hard it was is for the caller to weigh.
    pub fn check(key: &[u8], solution: &Solution, now: DateTime<Utc>) -> Result<Proven, ProofProblem> {
        let expected = sign(key, &solution.challenge);
        let signed = expected.len() == solution.signature.len()
            && expected.bytes().zip(solution.signature.bytes()).fold(0, |diff, (a, b)| diff | (a ^ b)) == 0;
        if !signed {
            return Err(ProofProblem::Forged);
        }
        let field = |name: &str| {
            solution
                .salt
                .split(['?', '&'])
                .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('=')?.parse::<i64>().ok())
        };
        let (Some(expires), Some(max_number)) = (field("expires"), field("max")) else {
            return Err(ProofProblem::Forged);
        };
        let (Some(expires_at), Ok(max_number)) = (DateTime::from_timestamp(expires, 0), u64::try_from(max_number))
        else {
            return Err(ProofProblem::Forged);
        };
        if expires_at < now {
            return Err(ProofProblem::Expired);
        }
        if digest(&solution.salt, solution.number) != solution.challenge {
            return Err(ProofProblem::Wrong);
        }
        Ok(Proven { challenge: solution.challenge.clone(), expires_at, max_number })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difficulty_is_normal_at_the_budget_and_doubles_with_the_load() {
        assert_eq!(difficulty(0.5), NORMAL_MAX_NUMBER);
        assert_eq!(difficulty(1.0), NORMAL_MAX_NUMBER);
        assert_eq!(difficulty(2.5), 2 * NORMAL_MAX_NUMBER);
        assert_eq!(difficulty(4.0), 4 * NORMAL_MAX_NUMBER);
        assert_eq!(difficulty(1000.0), HARDEST_MAX_NUMBER);
        assert_eq!(difficulty(f64::NAN), NORMAL_MAX_NUMBER);
    }

    #[test]
    fn a_solution_travels_as_one_field() {
        let solution =
            Solution { salt: "ab?expires=1&max=5".into(), number: 42, challenge: "c".into(), signature: "s".into() };
        assert_eq!(Solution::decode(&solution.encode()), Some(solution));
        assert_eq!(Solution::decode("a|b|c"), None);
        assert_eq!(Solution::decode("a|x|c|d"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_solved_puzzle_passes_and_anything_else_does_not() {
        let key = b"kunci-uji";
        let now = chrono::Utc::now();
        let puzzle = set(key, 1_000, now);
        let number = solve_within(&puzzle, 0..puzzle.max_number + 1).expect("a number in range solves it");
        let solution = Solution::of(&puzzle, number);
        assert_eq!(check(key, &solution, now).map(|proven| proven.max_number), Ok(1_000));
        assert_eq!(check(key, &solution, now + chrono::Duration::minutes(6)), Err(ProofProblem::Expired));
        assert_eq!(check(b"another key", &solution, now), Err(ProofProblem::Forged));
        let wrong = Solution { number: number + 1, ..solution.clone() };
        assert_eq!(check(key, &wrong, now), Err(ProofProblem::Wrong));
        // A harder-looking puzzle of one's own making is not signed.
        let own = Solution { salt: "x?expires=99999999999&max=1000000".into(), ..solution };
        assert_eq!(check(key, &own, now), Err(ProofProblem::Wrong));
    }
}
