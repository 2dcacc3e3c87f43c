//! The identity a citizen gives when taking a number: NIK, name as on the KTP,
//! email and mobile number. Each is a newtype whose only constructor parses, so
//! code past the edge never re-checks a string.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why an identity field was refused. The variants are what the translation
/// table turns into a sentence in the citizen's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum IdentityError {
    #[error("NIK must be exactly 16 digits")]
    NikNotSixteenDigits,
    #[error("NIK starts with an unknown province code")]
    NikUnknownProvince,
    #[error("NIK has no valid regency or district code")]
    NikBadRegion,
    #[error("NIK holds an impossible birth date")]
    NikBadBirthDate,
    #[error("NIK serial number may not be 0000")]
    NikZeroSerial,
    #[error("name must be 3 to 100 characters")]
    NameLength,
    #[error("name holds characters that are not on a KTP")]
    NameCharacters,
    #[error("email address is not valid")]
    EmailShape,
    #[error("phone number is not an Indonesian mobile number")]
    PhoneNotMobile,
}

/// Province codes (the first two NIK digits) as set by the Ministry of Home Affairs,
/// including the Papua provinces created in 2022.
const PROVINCE_CODES: &[u8] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65, 71, 72, 73, 74, 75,
    76, 81, 82, 91, 92, 93, 94, 95, 96,
];

/// Nomor Induk Kependudukan: 16 digits laid out as province (2), regency (2),
/// district (2), birth date DDMMYY (6, day + 40 for women) and serial (4).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Nik(String);

impl Nik {
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentityError::NikNotSixteenDigits);
        }
        let num = |from: usize| -> u32 {
            digits.as_bytes()[from..from + 2].iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        let province = num(0) as u8;
        if !PROVINCE_CODES.contains(&province) {
            return Err(IdentityError::NikUnknownProvince);
        }
        if num(2) == 0 || num(4) == 0 {
            return Err(IdentityError::NikBadRegion);
        }
        let raw_day = num(6);
        let day = if raw_day > 40 { raw_day - 40 } else { raw_day };
        let (month, year) = (num(8), num(10));
        if !is_possible_birth_date(day, month, year) {
            return Err(IdentityError::NikBadBirthDate);
        }
        if &digits[12..16] == "0000" {
            return Err(IdentityError::NikZeroSerial);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The NIK with its middle hidden, for screens that others may see.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..4], &self.0[12..])
    }
}

/// A two-digit year could be 19YY or 20YY; 29 February is possible when either is a leap year
/// (so "00" allows it, since 2000 was one).
fn is_possible_birth_date(day: u32, month: u32, two_digit_year: u32) -> bool {
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if two_digit_year.is_multiple_of(4) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// The full name exactly as on the KTP, trimmed, with runs of spaces collapsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullName(String);

impl FullName {
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        let length = name.chars().count();
        if !(3..=100).contains(&length) {
            return Err(IdentityError::NameLength);
        }
        let allowed = |c: char| c.is_alphabetic() || c == ' ' || matches!(c, '.' | ',' | '\'' | '-');
        if !name.chars().all(allowed) {
            return Err(IdentityError::NameCharacters);
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A holder's name as someone else holding the ticket link sees it: enough to
/// tell one's own family's numbers apart, not enough to learn who queues.
/// Words of up to two letters (Ni, I, Hj.) stay; longer ones keep their first
/// letter: "Ni Made Ayu Lestari" → "Ni M*** A*** L***".
pub fn masked_name(name: &str) -> String {
    name.split_whitespace()
        .map(|word| match word.chars().count() {
            0..=2 => word.to_string(),
            _ => word.chars().next().map(|first| format!("{first}***")).unwrap_or_default(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An email address checked for shape only; delivery proves the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let email = input.trim();
        let shaped = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && local.len() <= 64
                        && !domain.contains('@')
                        && domain.contains('.')
                        && domain
                            .split('.')
                            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
                }
                None => false,
            };
        if shaped {
            Ok(Self(email.to_string()))
        } else {
            Err(IdentityError::EmailShape)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Indonesian mobile number in E.164 form (`+628…`). Citizens write it as
/// `08…`, `628…` or `+628…`, often with spaces or dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let compact: String = input.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        let national = compact
            .strip_prefix("+62")
            .or_else(|| compact.strip_prefix("62"))
            .or_else(|| compact.strip_prefix('0'))
            .ok_or(IdentityError::PhoneNotMobile)?;
        // Mobile numbers are 8 followed by a non-zero operator digit; 9 to 12 digits after +62.
        let bytes = national.as_bytes();
        let is_mobile = bytes.len() >= 9
            && bytes.len() <= 12
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'8'
            && bytes[1] != b'0';
        if is_mobile {
            Ok(Self(format!("+62{national}")))
        } else {
            Err(IdentityError::PhoneNotMobile)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_name_keeps_short_words_and_first_letters_only() {
        assert_eq!(masked_name("Ni Made Ayu"), "Ni M*** A***");
        assert_eq!(masked_name("I Wayan  Sudarsana"), "I W*** S***");
        assert_eq!(masked_name("Ólafur"), "Ó***");
        assert_eq!(masked_name(""), "");
    }

    #[test]
    fn a_well_formed_nik_is_accepted() {
        assert!(Nik::parse("3171011201900001").is_ok());
    }

    #[test]
    fn a_woman_s_nik_has_forty_added_to_the_birth_day() {
        assert!(Nik::parse("5171015201900002").is_ok());
        assert_eq!(Nik::parse("5171017201900002"), Err(IdentityError::NikBadBirthDate));
    }

    #[test]
    fn a_nik_with_fifteen_digits_is_rejected() {
        assert_eq!(Nik::parse("317101120190000"), Err(IdentityError::NikNotSixteenDigits));
    }

    #[test]
    fn a_nik_with_letters_is_rejected() {
        assert_eq!(Nik::parse("31710112019000A1"), Err(IdentityError::NikNotSixteenDigits));
    }

    #[test]
    fn a_nik_with_an_unknown_province_is_rejected() {
        assert_eq!(Nik::parse("9971011201900001"), Err(IdentityError::NikUnknownProvince));
    }

    #[test]
    fn a_nik_with_a_zero_regency_is_rejected() {
        assert_eq!(Nik::parse("3100011201900001"), Err(IdentityError::NikBadRegion));
    }

    #[test]
    fn a_nik_born_on_the_thirty_first_of_april_is_rejected() {
        assert_eq!(Nik::parse("3171013104900001"), Err(IdentityError::NikBadBirthDate));
    }

    #[test]
    fn a_nik_born_on_leap_day_is_accepted_only_in_leap_years() {
        assert!(Nik::parse("3171012902000001").is_ok());
        assert_eq!(Nik::parse("3171012902010001"), Err(IdentityError::NikBadBirthDate));
    }

    #[test]
    fn a_nik_with_serial_zero_is_rejected() {
        assert_eq!(Nik::parse("3171011201900000"), Err(IdentityError::NikZeroSerial));
    }

    #[test]
    fn a_masked_nik_hides_the_birth_date() {
        let nik = Nik::parse("3171011201900001").unwrap();
        assert_eq!(nik.masked(), "3171********0001");
    }

    #[test]
    fn a_name_is_trimmed_and_inner_spaces_collapsed() {
        let name = FullName::parse("  I Made   Wirawan ").unwrap();
        assert_eq!(name.as_str(), "I Made Wirawan");
    }

    #[test]
    fn a_name_of_two_characters_is_rejected() {
        assert_eq!(FullName::parse(" Ab "), Err(IdentityError::NameLength));
    }

    #[test]
    fn a_name_of_a_hundred_and_one_characters_is_rejected() {
        assert_eq!(FullName::parse(&"a".repeat(101)), Err(IdentityError::NameLength));
    }

    #[test]
    fn a_name_with_digits_is_rejected() {
        assert_eq!(FullName::parse("Budi 99"), Err(IdentityError::NameCharacters));
    }

    #[test]
    fn names_with_apostrophes_and_dots_are_accepted() {
        assert!(FullName::parse("Ni Luh Putu D'Arta, S.H.").is_ok());
    }

    #[test]
    fn emails_without_an_at_sign_or_a_dotted_domain_are_rejected() {
        assert!(Email::parse("budi@example.co.id").is_ok());
        for bad in ["budi", "budi@", "@example.com", "budi@example", "bu di@example.com", "a@b@c.id"] {
            assert_eq!(Email::parse(bad), Err(IdentityError::EmailShape), "{bad}");
        }
    }

    #[test]
    fn phone_numbers_in_every_local_form_normalise_to_e164() {
        for input in ["0812-3456-7890", "6281234567890", "+62 812 3456 7890", "081234567890"] {
            assert_eq!(PhoneNumber::parse(input).unwrap().as_str(), "+6281234567890", "{input}");
        }
    }

    #[test]
    fn landlines_and_short_numbers_are_not_mobiles() {
        for bad in ["0215551234", "0812345", "+1 415 555 0100", "08123456789012", "0800123456"] {
            assert_eq!(PhoneNumber::parse(bad), Err(IdentityError::PhoneNotMobile), "{bad}");
        }
    }
}
