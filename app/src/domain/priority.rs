//! Priority lines: elderly, disabled and pregnant citizens (and the other
//! categories an office turns on) are called before the others, or at every
//! k-th call, as the office sets it, and an ordinary ticket that has waited
//! the office's maximum is called first whatever the policy, so nobody is
//! starved. A priority is given by staff or at the kiosk (after the citizen
//! confirms it), online only where the office allows it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The categories an office can serve first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PriorityCategory {
    /// Lansia: 60 years and older.
    Elderly,
    /// Penyandang disabilitas.
    Disabled,
    /// Ibu hamil.
    Pregnant,
    /// Membawa balita: with a child under five.
    WithInfant,
    /// Veteran.
    Veteran,
}

impl PriorityCategory {
    pub const ALL: [Self; 5] = [Self::Elderly, Self::Disabled, Self::Pregnant, Self::WithInfant, Self::Veteran];
    /// What a new office serves first.
    pub const DEFAULTS: [Self; 3] = [Self::Elderly, Self::Disabled, Self::Pregnant];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Elderly => "elderly",
            Self::Disabled => "disabled",
            Self::Pregnant => "pregnant",
            Self::WithInfant => "with_infant",
            Self::Veteran => "veteran",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }

    /// An office's categories as stored: comma-separated, in `ALL` order.
    pub fn list_to_string(categories: &[Self]) -> String {
        Self::ALL.into_iter().filter(|c| categories.contains(c)).map(Self::as_str).collect::<Vec<_>>().join(",")
    }

    /// The stored list back; unknown names are passed over.
    pub fn list_from_str(value: &str) -> Vec<Self> {
        Self::ALL.into_iter().filter(|c| value.split(',').any(|v| v.trim() == c.as_str())).collect()
    }
}

/// How a counter chooses between the priority line and the ordinary one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriorityMode {
    /// A waiting priority ticket is called before any ordinary one.
    First,
    /// One call in `k` goes to the priority line (when it has someone).
    Every(u32),
}

impl PriorityMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::First => "first",
            Self::Every(_) => "every",
        }
    }

    /// From the stored mode and its `k` (at least 2: every call would be "first").
    pub fn parse(mode: &str, every: u32) -> Option<Self> {
        match mode {
            "first" => Some(Self::First),
            "every" => Some(Self::Every(every.max(2))),
            _ => None,
        }
    }
}

/// An office's priority rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityPolicy {
    /// The categories served first; none turns priority lines off.
    pub categories: Vec<PriorityCategory>,
    pub mode: PriorityMode,
    /// An ordinary ticket waiting this long is called before any priority one.
    pub ordinary_max_wait_minutes: u32,
    /// Citizens may declare a category themselves when booking online.
    pub online: bool,
}

impl Default for PriorityPolicy {
    fn default() -> Self {
        Self {
            categories: PriorityCategory::DEFAULTS.to_vec(),
            mode: PriorityMode::First,
            ordinary_max_wait_minutes: 60,
            online: false,
        }
    }
}

/// The two lines of a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    Priority,
    Ordinary,
}

/// The heads of a counter's two lines: since when each has waited (its issue
/// time, or the day's opening for one issued before), and how many ordinary
/// tickets the counter called since its last priority one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heads {
    pub priority_since: Option<DateTime<Utc>>,
    pub ordinary_since: Option<DateTime<Utc>>,
    pub ordinary_calls_since_priority: u32,
}

impl PriorityPolicy {
    /// The `k` of "every k-th call" an office starts with.
    pub const fn default_every() -> u32 {
        3
    }

    /// Whether a ticket may carry `category` when taken through this channel.
    pub fn admits(&self, category: PriorityCategory, online: bool) -> bool {
        self.categories.contains(&category) && (!online || self.online)
    }

    /// The line the counter calls next; `None` when both are empty.
    pub fn next_line(&self, heads: &Heads, now: DateTime<Utc>) -> Option<Line> {
        match (heads.priority_since, heads.ordinary_since) {
            (None, None) => None,
            (Some(_), None) => Some(Line::Priority),
            (None, Some(_)) => Some(Line::Ordinary),
            (Some(_), Some(ordinary)) => {
                let starving = now - ordinary >= Duration::minutes(i64::from(self.ordinary_max_wait_minutes));
                Some(match self.mode {
                    _ if starving => Line::Ordinary,
                    PriorityMode::First => Line::Priority,
                    PriorityMode::Every(k) if heads.ordinary_calls_since_priority + 1 >= k => Line::Priority,
                    PriorityMode::Every(_) => Line::Ordinary,
                })
            }
        }
    }

    /// The order the counter would call `waiting` in if nobody else came: each
    /// ticket with its line and since when it has waited, in queue order.
    /// What the console lists, so staff see who comes next as `next_line`
    /// will choose it, not the order numbers were issued in.
    pub fn call_order<T>(
        &self,
        waiting: Vec<(T, Line, DateTime<Utc>)>,
        mut ordinary_calls_since_priority: u32,
        now: DateTime<Utc>,
    ) -> Vec<T> {
        let mut ordered = Vec::with_capacity(waiting.len());
        let (mut priority, mut ordinary): (std::collections::VecDeque<_>, std::collections::VecDeque<_>) =
            waiting.into_iter().partition(|(_, line, _)| *line == Line::Priority);
        loop {
            let heads = Heads {
                priority_since: priority.front().map(|(_, _, since)| *since),
                ordinary_since: ordinary.front().map(|(_, _, since)| *since),
                ordinary_calls_since_priority,
            };
            let next = match self.next_line(&heads, now) {
                Some(Line::Priority) => {
                    ordinary_calls_since_priority = 0;
                    priority.pop_front()
                }
                Some(Line::Ordinary) => {
                    ordinary_calls_since_priority += 1;
                    ordinary.pop_front()
                }
                None => None,
            };
            match next {
                Some((ticket, _, _)) => ordered.push(ticket),
                None => return ordered,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute(m: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + m * 60, 0).unwrap()
    }

    fn heads(priority: Option<i64>, ordinary: Option<i64>, since_priority: u32) -> Heads {
        Heads {
            priority_since: priority.map(minute),
            ordinary_since: ordinary.map(minute),
            ordinary_calls_since_priority: since_priority,
        }
    }

    #[test]
    fn priority_first_calls_a_priority_ticket_before_older_ordinary_ones() {
        let policy = PriorityPolicy::default();
        assert_eq!(policy.next_line(&heads(Some(30), Some(0), 0), minute(40)), Some(Line::Priority));
        assert_eq!(policy.next_line(&heads(None, Some(0), 0), minute(40)), Some(Line::Ordinary));
        assert_eq!(policy.next_line(&heads(Some(30), None, 0), minute(40)), Some(Line::Priority));
        assert_eq!(policy.next_line(&heads(None, None, 0), minute(40)), None);
    }

    #[test]
    fn an_ordinary_ticket_at_the_maximum_wait_goes_first_whatever_the_policy() {
        let policy = PriorityPolicy { ordinary_max_wait_minutes: 45, ..PriorityPolicy::default() };
        assert_eq!(policy.next_line(&heads(Some(40), Some(0), 0), minute(44)), Some(Line::Priority));
        assert_eq!(policy.next_line(&heads(Some(40), Some(0), 0), minute(45)), Some(Line::Ordinary));
        let every = PriorityPolicy { mode: PriorityMode::Every(3), ..policy };
        assert_eq!(every.next_line(&heads(Some(40), Some(0), 5), minute(45)), Some(Line::Ordinary));
    }

    #[test]
    fn every_kth_call_goes_to_the_priority_line() {
        let policy = PriorityPolicy { mode: PriorityMode::Every(3), ..PriorityPolicy::default() };
        let calls: Vec<Line> = (0..6)
            .scan(0, |since, _| {
                let line = policy.next_line(&heads(Some(5), Some(0), *since), minute(10)).unwrap();
                *since = if line == Line::Priority { 0 } else { *since + 1 };
                Some(line)
            })
            .collect();
        use Line::{Ordinary, Priority};
        assert_eq!(calls, [Ordinary, Ordinary, Priority, Ordinary, Ordinary, Priority]);
        assert_eq!(PriorityMode::parse("every", 1), Some(PriorityMode::Every(2)));
    }

    #[test]
    fn the_call_order_is_what_next_line_calls_one_after_the_other() {
        use Line::{Ordinary, Priority};
        let waiting = |lines: &[(char, Line, i64)]| lines.iter().map(|(n, l, m)| (*n, *l, minute(*m))).collect();
        let queue =
            [('a', Ordinary, 0), ('b', Ordinary, 1), ('P', Priority, 2), ('c', Ordinary, 3), ('Q', Priority, 4)];
        let first = PriorityPolicy::default();
        assert_eq!(first.call_order(waiting(&queue), 0, minute(10)), ['P', 'Q', 'a', 'b', 'c']);
        let every = PriorityPolicy { mode: PriorityMode::Every(3), ..PriorityPolicy::default() };
        assert_eq!(every.call_order(waiting(&queue), 0, minute(10)), ['a', 'b', 'P', 'c', 'Q']);
        assert_eq!(every.call_order(waiting(&queue), 2, minute(10)), ['P', 'a', 'b', 'Q', 'c'], "two calls already");
        // An ordinary ticket that has waited the maximum goes before priority ones.
        let starving = PriorityPolicy { ordinary_max_wait_minutes: 9, ..PriorityPolicy::default() };
        assert_eq!(starving.call_order(waiting(&queue), 0, minute(10)), ['a', 'b', 'P', 'Q', 'c']);
        assert!(first.call_order(Vec::<(char, Line, DateTime<Utc>)>::new(), 0, minute(10)).is_empty());
    }

    #[test]
    fn online_booking_declares_a_priority_only_where_the_office_allows_it() {
        let policy = PriorityPolicy::default();
        assert!(policy.admits(PriorityCategory::Elderly, false));
        assert!(!policy.admits(PriorityCategory::Elderly, true));
        assert!(!policy.admits(PriorityCategory::Veteran, false));
        assert!(PriorityPolicy { online: true, ..policy }.admits(PriorityCategory::Pregnant, true));
    }

    #[test]
    fn an_offices_categories_survive_the_round_trip_through_storage() {
        let stored = PriorityCategory::list_to_string(&[PriorityCategory::Veteran, PriorityCategory::Elderly]);
        assert_eq!(stored, "elderly,veteran");
        assert_eq!(PriorityCategory::list_from_str(&stored), [PriorityCategory::Elderly, PriorityCategory::Veteran]);
        assert_eq!(PriorityCategory::list_from_str("elderly, nonsense"), [PriorityCategory::Elderly]);
    }
}
