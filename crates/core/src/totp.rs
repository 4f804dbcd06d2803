//! One-time codes from an authenticator app: HOTP (RFC 4226) and TOTP (RFC 6238), with the shared
//! secret ([`TotpSecret`]), the code as typed ([`TotpCode`]), the verdict on a submitted code
//! ([`verify`] → [`Verification`]) and the Key URI that enrols a phone ([`otpauth_uri`]).
//!
//! Invariants:
//! - Codes are SHA-1, [`DIGITS`] = 6 digits, [`PERIOD`] = 30 s, T0 = 0: the only parameters that Google
//!   Authenticator, Microsoft Authenticator and DUO Mobile all honour, so the Key URI leaves them at their
//!   defaults. SHA-256 and SHA-512 exist for the RFC vectors and for [`hotp`] callers only.
//! - A secret is 128 to 512 bits; new ones are [`SECRET_BYTES`] = 160 bits, supplied by the caller's RNG.
//!   `Debug` never shows it, and equality compares it in constant time.
//! - [`verify`] accepts a step only if it is later than the last step accepted for the credential
//!   (RFC 6238 §5.2), so a code works once. It looks at [`WINDOW`] steps either side of the current step
//!   shifted by the learned drift, which is capped at [`MAX_DRIFT`] steps; every code in the window is
//!   computed and compared in constant time, without an early exit.
//! - A code that matches a step up to [`CLOCK_HELP_STEPS`] away (±10 minutes) but outside the window is still
//!   refused; the answer only lets the page say "your phone's clock is off".
//!
//! Why this is hand-written rather than taken from a TOTP crate: we need the code of each step on its own
//! (for the drift window, the replay check on the step that matched, and the ±10-minute clock-help search),
//! which the usual crates hide behind a single `check(code, time)`. The algorithm itself is about 20 lines
//! over the RustCrypto `hmac`/`sha1`/`sha2` crates, and the tests below pin it to the published vectors.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use subtle::{Choice, ConstantTimeEq};

use crate::time::UnixTime;

/// Digits per code: what Google/Microsoft Authenticator and DUO Mobile all honour.
pub const DIGITS: u32 = 6;
/// Seconds per time step.
pub const PERIOD: i64 = 30;
/// Length of a new secret: 160 bits, the RFC 4226 recommendation and the HMAC-SHA-1 output size.
pub const SECRET_BYTES: usize = 20;
/// Steps accepted either side of the centre: the step `centre - WINDOW ..= centre + WINDOW`.
pub const WINDOW: i64 = 1;
/// Learned drift is capped at ±4 steps (2 minutes).
pub const MAX_DRIFT: i64 = 4;
/// Steps searched either side of the server's step (±10 minutes) for the "your phone's clock is off" help.
pub const CLOCK_HELP_STEPS: i64 = 20;

/// RFC 4226 §4: at least 128 bits.
const MIN_SECRET_BYTES: usize = 16;
/// A SHA-512 block; longer secrets are junk rather than stronger.
const MAX_SECRET_BYTES: usize = 64;
/// 10^DIGITS, the largest code plus one.
const CODE_MODULUS: u32 = 1_000_000;

/// The HMAC hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

/// RFC 4226 HOTP: HMAC of the big-endian counter, dynamic truncation to 31 bits, modulo 10^digits.
/// With `digits` of 10 or more the whole 31-bit value is returned (it has fewer than 10 digits anyway).
pub fn hotp(key: &[u8], counter: u64, digits: u32, algorithm: Algorithm) -> u32 {
    let truncated = match algorithm {
        Algorithm::Sha1 => truncated_hmac::<Hmac<sha1::Sha1>>(key, counter),
        Algorithm::Sha256 => truncated_hmac::<Hmac<sha2::Sha256>>(key, counter),
        Algorithm::Sha512 => truncated_hmac::<Hmac<sha2::Sha512>>(key, counter),
    };
    match 10_u32.checked_pow(digits) {
        Some(modulus) => truncated % modulus,
        None => truncated,
    }
}

/// HMAC of the counter, then RFC 4226 §5.3 dynamic truncation: the low nibble of the last byte picks four
/// bytes, read big-endian with the top bit cleared.
fn truncated_hmac<M: Mac + KeyInit>(key: &[u8], counter: u64) -> u32 {
    #[allow(
        clippy::expect_used,
        reason = "HMAC takes keys of any length (RFC 2104 hashes long ones), so this never fails"
    )]
    let mut mac = <M as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    // The digest is 20, 32 or 64 bytes and the offset at most 15, so the four bytes are always there.
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let word = [
        digest[offset],
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ];
    u32::from_be_bytes(word) & 0x7fff_ffff
}

/// The time step of a moment: floor(now / PERIOD), with T0 = 0; also for moments before 1970.
pub fn step_of(now: UnixTime) -> i64 {
    now.0.div_euclid(PERIOD)
}

/// A TOTP shared secret, 16 to 64 bytes.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

/// Why a secret was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret is not Base32 (letters A–Z and digits 2–7)")]
    NotBase32,
    #[error("the secret is shorter than 128 bits")]
    TooShort,
    #[error("the secret is longer than 512 bits")]
    TooLong,
}

impl TotpSecret {
    /// A new secret from the caller's random bytes.
    pub fn from_random(bytes: [u8; SECRET_BYTES]) -> TotpSecret {
        TotpSecret(bytes.to_vec())
    }

    /// A stored secret. Refuses fewer than 16 bytes (128 bits, RFC 4226 §4) or more than 64.
    pub fn from_bytes(bytes: &[u8]) -> Result<TotpSecret, SecretError> {
        if bytes.len() < MIN_SECRET_BYTES {
            Err(SecretError::TooShort)
        } else if bytes.len() > MAX_SECRET_BYTES {
            Err(SecretError::TooLong)
        } else {
            Ok(TotpSecret(bytes.to_vec()))
        }
    }

    /// The raw key, for storage. Never for a log line.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 Base32, upper case, without padding: 32 characters for 20 bytes.
    pub fn to_base32(&self) -> String {
        BASE32_NOPAD.encode(&self.0)
    }

    /// Parses Base32 as people copy it: any case, with spaces or hyphens between groups, with or without
    /// trailing `=` padding.
    pub fn from_base32(input: &str) -> Result<TotpSecret, SecretError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = BASE32_NOPAD
            .decode(compact.trim_end_matches('=').as_bytes())
            .map_err(|_| SecretError::NotBase32)?;
        TotpSecret::from_bytes(&bytes)
    }

    /// The Base32 text in groups of four characters, for typing it over by hand (8 groups for 20 bytes).
    pub fn grouped(&self) -> Vec<String> {
        let text: Vec<char> = self.to_base32().chars().collect();
        text.chunks(4).map(|group| group.iter().collect()).collect()
    }

    /// The SHA-1, 6-digit code of time step `step`. Steps before 1970 (negative) are taken as the
    /// two's-complement counter; they never occur in practice.
    pub fn code_at(&self, step: i64) -> u32 {
        hotp(&self.0, step as u64, DIGITS, Algorithm::Sha1)
    }
}

impl PartialEq for TotpSecret {
    /// Constant time for secrets of equal length (the length is not secret).
    fn eq(&self, other: &TotpSecret) -> bool {
        self.0.len() == other.0.len() && bool::from(self.0.ct_eq(&other.0))
    }
}

impl Eq for TotpSecret {}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// A code as typed by the user: six ASCII digits, leading zeros significant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotpCode(u32);

/// Why typed input is not a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("no code was entered")]
    Empty,
    #[error("a code contains only the digits 0–9")]
    NotDigits,
    #[error("a code has exactly 6 digits")]
    WrongLength,
}

impl TotpCode {
    /// Six ASCII digits, after removing the spaces (any Unicode white space, so also tabs, U+00A0 and
    /// U+202F) and hyphens (`-`, U+2010, U+2011) that apps show and copy between the groups.
    /// Other digits (full-width, Arabic-Indic) are refused rather than guessed at.
    pub fn parse(input: &str) -> Result<TotpCode, CodeError> {
        let digits: Vec<char> = input
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{2010}' | '\u{2011}'))
            .collect();
        if digits.is_empty() {
            return Err(CodeError::Empty);
        }
        if !digits.iter().all(char::is_ascii_digit) {
            return Err(CodeError::NotDigits);
        }
        if digits.len() != DIGITS as usize {
            return Err(CodeError::WrongLength);
        }
        let value = digits
            .iter()
            .fold(0_u32, |acc, d| acc * 10 + (u32::from(*d) - u32::from('0')));
        Ok(TotpCode(value))
    }

    /// A code from its number, as [`TotpSecret::code_at`] gives it. Only the last six digits are kept, so a
    /// number of 10^6 or more never yields an impossible code.
    pub fn from_number(n: u32) -> TotpCode {
        TotpCode(n % CODE_MODULUS)
    }

    pub fn value(self) -> u32 {
        self.0
    }
}

impl fmt::Display for TotpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// What a submitted code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Matches `step`, which is later than any step used before; `drift` is the new learned drift to store.
    Accepted {
        step: i64,
        drift: i64,
    },
    /// Matches a step at or before the last step already accepted (RFC 6238 §5.2: never accept a step twice).
    Replayed {
        step: i64,
    },
    /// Wrong for the window, but matches the step `offset_steps` away from the server's current step,
    /// within ±CLOCK_HELP_STEPS: the phone's clock is off by about offset_steps * 30 s. Still refused.
    ClockOff {
        offset_steps: i64,
    },
    Wrong,
}

/// Verifies `code` at `now` for a credential whose learned drift is `drift` (in steps, positive = phone
/// ahead) and whose last accepted step is `last_used_step`.
///
/// - T = `step_of(now)`; centre = T + drift clamped to ±[`MAX_DRIFT`]; the window is centre ± [`WINDOW`],
///   plus T ± [`WINDOW`] (so a phone whose clock was put right after it drifted still gets in and its
///   drift is learned back). Every step of the window is computed and compared in constant time, with
///   no early exit.
/// - A match at step s is `Replayed` if s ≤ `last_used_step`, otherwise `Accepted` with the drift s − T
///   (clamped). If several window steps match, an acceptable one wins over a replayed one, then the one
///   closest to the centre, then the earlier one.
/// - Otherwise the steps T ± [`CLOCK_HELP_STEPS`] outside the window are searched, nearest to T first (the
///   earlier one on a tie): a match at or before `last_used_step` is an old code (`Replayed`), any other
///   means the phone's clock is off (`ClockOff`). Otherwise `Wrong`.
pub fn verify(
    secret: &TotpSecret,
    code: TotpCode,
    now: UnixTime,
    drift: i64,
    last_used_step: Option<i64>,
) -> Verification {
    let now_step = step_of(now);
    let centre = now_step + drift.clamp(-MAX_DRIFT, MAX_DRIFT);
    let matches = |step: i64| -> Choice { secret.code_at(step).ct_eq(&code.value()) };
    let is_replay = |step: i64| last_used_step.is_some_and(|last| step <= last);

    // Nearest to the centre first (the earlier step on a tie), so the first match of each kind is the
    // preferred one. Every step is computed and compared before any result is looked at.
    // The window around the learned drift, and also the one around the server's own step: a phone
    // whose clock was corrected after it had drifted must not be locked out by its old drift.
    let mut steps: Vec<i64> = nearest_first(centre, WINDOW).collect();
    steps.extend(nearest_first(now_step, WINDOW).filter(|step| !(centre - WINDOW..=centre + WINDOW).contains(step)));
    let window: Vec<(i64, bool)> = steps.iter().map(|&step| (step, bool::from(matches(step)))).collect();
    if let Some(&(step, _)) = window.iter().find(|&&(step, hit)| hit && !is_replay(step)) {
        let drift = (step - now_step).clamp(-MAX_DRIFT, MAX_DRIFT);
        return Verification::Accepted { step, drift };
    }
    if let Some(&(step, _)) = window.iter().find(|&&(_, hit)| hit) {
        return Verification::Replayed { step };
    }

    let help: Vec<(i64, bool)> = nearest_first(now_step, CLOCK_HELP_STEPS)
        .filter(|step| !steps.contains(step))
        .map(|step| (step, bool::from(matches(step))))
        .collect();
    match help.iter().find(|&&(_, hit)| hit) {
        // An old code, from a moment already used: not a clock problem.
        Some(&(step, _)) if is_replay(step) => Verification::Replayed { step },
        Some(&(step, _)) => Verification::ClockOff {
            offset_steps: step - now_step,
        },
        None => Verification::Wrong,
    }
}

/// `centre`, then `centre - 1`, `centre + 1`, `centre - 2`, … out to `centre ± radius`.
fn nearest_first(centre: i64, radius: i64) -> impl Iterator<Item = i64> {
    std::iter::once(centre).chain((1..=radius).flat_map(move |distance| [centre - distance, centre + distance]))
}

/// The Key URI that authenticator apps read from a QR code:
/// `otpauth://totp/{issuer}:{account}?secret={base32}&issuer={issuer}`, with issuer and account
/// percent-encoded (RFC 3986 unreserved characters kept, and `@` kept in the account). Algorithm, digits and
/// period are left out: the apps' defaults are ours, and some apps ignore them anyway.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &TotpSecret) -> String {
    let issuer = percent_encode(issuer, "");
    format!(
        "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}",
        percent_encode(account, "@"),
        secret.to_base32()
    )
}

/// Percent-encodes every UTF-8 byte except RFC 3986 unreserved characters and those in `keep`.
fn percent_encode(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) || keep.as_bytes().contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The phone type chosen at the start of a setup (it decides where we say to get the app).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phone {
    Android,
    Iphone,
    Other,
}

impl Phone {
    pub fn as_str(self) -> &'static str {
        match self {
            Phone::Android => "android",
            Phone::Iphone => "iphone",
            Phone::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Phone> {
        match text {
            "android" => Some(Phone::Android),
            "iphone" => Some(Phone::Iphone),
            "other" => Some(Phone::Other),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `crates/core/tests/data/rfc6238.json`, copied from the shared vectors.
    const RFC6238: &str = include_str!("../tests/data/rfc6238.json");

    fn vectors() -> serde_json::Value {
        serde_json::from_str(RFC6238).unwrap()
    }

    fn seed(vectors: &serde_json::Value, name: &str) -> Vec<u8> {
        vectors["seeds_ascii"][name].as_str().unwrap().as_bytes().to_vec()
    }

    /// The RFC's 20-byte SHA-1 seed, "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").unwrap()
    }

    /// 2023-11-14T22:13:35Z: five seconds into step 56 666 667.
    const NOW: UnixTime = UnixTime(1_700_000_015);
    const T: i64 = 56_666_667;

    fn code(step: i64) -> TotpCode {
        TotpCode::from_number(rfc_secret().code_at(step))
    }

    /// The code shown by a phone whose clock is `offset` seconds ahead (negative: behind) at `now`.
    fn phone_code(now: UnixTime, offset: i64) -> TotpCode {
        code(step_of(now.plus_secs(offset)))
    }

    #[test]
    fn rfc6238_appendix_b_vectors_for_all_three_algorithms() {
        let v = vectors();
        let rows = v["vectors"].as_array().unwrap();
        assert_eq!(rows.len(), 6);
        for row in rows {
            let time = UnixTime(row["unix_time"].as_i64().unwrap());
            let step = step_of(time);
            assert_eq!(
                step,
                i64::from_str_radix(row["step_hex"].as_str().unwrap(), 16).unwrap()
            );
            for (name, algorithm) in [
                ("SHA1", Algorithm::Sha1),
                ("SHA256", Algorithm::Sha256),
                ("SHA512", Algorithm::Sha512),
            ] {
                let got = hotp(&seed(&v, name), step as u64, 8, algorithm);
                assert_eq!(format!("{got:08}"), row[name].as_str().unwrap(), "{name} at {time:?}");
            }
        }
    }

    #[test]
    fn rfc6238_negative_case_each_algorithm_needs_its_own_seed() {
        let v = vectors();
        let negative = v["negative"].as_str().unwrap();
        assert!(negative.contains("SHA512") && negative.contains("t=59"), "{negative}");
        let numbers: Vec<&str> = negative
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| n.len() == 8)
            .collect();
        let [gives, not] = numbers[..] else {
            panic!("expected two 8-digit codes in {negative:?}")
        };
        let got = format!("{:08}", hotp(&seed(&v, "SHA1"), 1, 8, Algorithm::Sha512));
        assert_eq!(got, gives);
        assert_ne!(got, not);
        assert_eq!(not, v["vectors"][0]["SHA512"].as_str().unwrap());
    }

    #[test]
    fn rfc4226_appendix_d_hotp_vectors() {
        let v = vectors();
        let hotp_vectors = &v["hotp_rfc4226_appendix_d"];
        let key = hotp_vectors["seed_ascii"].as_str().unwrap().as_bytes();
        let digits = u32::try_from(hotp_vectors["digits"].as_u64().unwrap()).unwrap();
        assert_eq!(digits, DIGITS);
        let expected = hotp_vectors["counters_0_to_9"].as_array().unwrap();
        assert_eq!(expected.len(), 10);
        for (counter, want) in expected.iter().enumerate() {
            let got = hotp(key, counter as u64, digits, Algorithm::Sha1);
            assert_eq!(format!("{got:06}"), want.as_str().unwrap(), "counter {counter}");
            assert_eq!(rfc_secret().code_at(counter as i64), got);
        }
    }

    #[test]
    fn base32_of_the_rfc_seed_and_round_trip() {
        let v = vectors();
        let secret = rfc_secret();
        assert_eq!(secret.to_base32(), v["sha1_seed_base32"].as_str().unwrap());
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(TotpSecret::from_base32(&secret.to_base32()), Ok(secret.clone()));
        assert_eq!(secret.as_bytes(), b"12345678901234567890");
        let random = TotpSecret::from_random([0xa5; SECRET_BYTES]);
        assert_eq!(random.to_base32().len(), 32);
        assert_eq!(TotpSecret::from_base32(&random.to_base32()), Ok(random));
    }

    #[test]
    fn step_of_floors_also_before_1970() {
        assert_eq!(step_of(UnixTime(0)), 0);
        assert_eq!(step_of(UnixTime(29)), 0);
        assert_eq!(step_of(UnixTime(30)), 1);
        assert_eq!(step_of(UnixTime(59)), 1);
        assert_eq!(step_of(UnixTime(-1)), -1);
        assert_eq!(step_of(UnixTime(-30)), -1);
        assert_eq!(step_of(UnixTime(-31)), -2);
        assert_eq!(step_of(NOW), T);
    }

    #[test]
    fn grouped_gives_eight_groups_of_four_that_parse_back_tolerantly() {
        let secret = rfc_secret();
        let groups = secret.grouped();
        assert_eq!(groups, ["GEZD", "GNBV", "GY3T", "QOJQ", "GEZD", "GNBV", "GY3T", "QOJQ"]);
        assert_eq!(groups.concat(), secret.to_base32());
        let typed = groups.join(" ").to_lowercase();
        assert_eq!(typed, "gezd gnbv gy3t qojq gezd gnbv gy3t qojq");
        assert_eq!(TotpSecret::from_base32(&typed), Ok(secret.clone()));
        assert_eq!(TotpSecret::from_base32(&groups.join("-")), Ok(secret.clone()));
        assert_eq!(
            TotpSecret::from_base32(&format!(" {}\t", groups.join("\u{a0}"))),
            Ok(secret.clone())
        );
        // A 16-byte secret is 26 characters: padding to 32 with '=' is accepted too.
        let short = TotpSecret::from_bytes(&[7; 16]).unwrap();
        assert_eq!(
            TotpSecret::from_base32(&format!("{}======", short.to_base32())),
            Ok(short)
        );
    }

    #[test]
    fn bad_secrets_are_refused() {
        assert_eq!(TotpSecret::from_base32("not base32!"), Err(SecretError::NotBase32));
        assert_eq!(TotpSecret::from_base32("GEZD=GNBV"), Err(SecretError::NotBase32));
        assert_eq!(TotpSecret::from_base32("GEZ1GNBVGY3TQOJQ"), Err(SecretError::NotBase32));
        // 80 bits: valid Base32, too short a secret.
        assert_eq!(TotpSecret::from_base32("GEZDGNBVGY3TQOJQ"), Err(SecretError::TooShort));
        assert_eq!(TotpSecret::from_base32(""), Err(SecretError::TooShort));
        assert_eq!(TotpSecret::from_bytes(&[1; 15]), Err(SecretError::TooShort));
        assert!(TotpSecret::from_bytes(&[1; 16]).is_ok());
        assert!(TotpSecret::from_bytes(&[1; 64]).is_ok());
        assert_eq!(TotpSecret::from_bytes(&[1; 65]), Err(SecretError::TooLong));
        let long = BASE32_NOPAD.encode(&[1; 65]);
        assert_eq!(TotpSecret::from_base32(&long), Err(SecretError::TooLong));
    }

    #[test]
    fn debug_hides_the_secret_and_equality_compares_it() {
        let secret = rfc_secret();
        let shown = format!("{secret:?}");
        assert_eq!(shown, "TotpSecret(<redacted>)");
        assert!(!shown.contains("GEZD") && !shown.contains("49"));
        assert_ne!(secret, TotpSecret::from_random([0x31; SECRET_BYTES]));
        assert_ne!(secret, TotpSecret::from_bytes(&b"12345678901234567890"[..16]).unwrap());
    }

    #[test]
    fn codes_parse_with_spaces_and_hyphens() {
        for ok in [
            "123456",
            " 123 456 ",
            "123-456",
            "123\u{a0}456",
            "123\u{202f}456",
            "\t123456\n",
        ] {
            assert_eq!(TotpCode::parse(ok).map(TotpCode::value), Ok(123_456), "{ok:?}");
        }
        assert_eq!(TotpCode::parse("012345").map(TotpCode::value), Ok(12_345));
    }

    #[test]
    fn bad_codes_are_refused_with_the_right_error() {
        for (bad, error) in [
            ("", CodeError::Empty),
            ("  - ", CodeError::Empty),
            ("12345", CodeError::WrongLength),
            ("1234567", CodeError::WrongLength),
            ("12a456", CodeError::NotDigits),
            ("１２３４５６", CodeError::NotDigits),
            ("+12345", CodeError::NotDigits),
        ] {
            assert_eq!(TotpCode::parse(bad), Err(error), "{bad:?}");
        }
    }

    #[test]
    fn codes_display_zero_padded() {
        assert_eq!(TotpCode::from_number(42).to_string(), "000042");
        assert_eq!(TotpCode::from_number(42).value(), 42);
        assert_eq!(TotpCode::from_number(1_000_042).value(), 42);
        assert_eq!(TotpCode::parse("000042"), Ok(TotpCode::from_number(42)));
    }

    #[test]
    fn the_current_step_is_accepted_without_drift() {
        assert_eq!(
            verify(&rfc_secret(), code(T), NOW, 0, None),
            Verification::Accepted { step: T, drift: 0 }
        );
        assert_eq!(
            verify(&rfc_secret(), code(T), NOW, 0, Some(T - 1)),
            Verification::Accepted { step: T, drift: 0 }
        );
    }

    #[test]
    fn one_step_either_side_is_accepted() {
        assert_eq!(
            verify(&rfc_secret(), code(T - 1), NOW, 0, None),
            Verification::Accepted { step: T - 1, drift: -1 }
        );
        assert_eq!(
            verify(&rfc_secret(), code(T + 1), NOW, 0, None),
            Verification::Accepted { step: T + 1, drift: 1 }
        );
        assert_eq!(
            verify(&rfc_secret(), code(T + 2), NOW, 0, None),
            Verification::ClockOff { offset_steps: 2 }
        );
        assert_eq!(
            verify(&rfc_secret(), code(T - 2), NOW, 0, None),
            Verification::ClockOff { offset_steps: -2 }
        );
    }

    #[test]
    fn a_step_is_never_accepted_twice() {
        assert_eq!(
            verify(&rfc_secret(), code(T), NOW, 0, Some(T)),
            Verification::Replayed { step: T }
        );
        assert_eq!(
            verify(&rfc_secret(), code(T - 1), NOW, 0, Some(T)),
            Verification::Replayed { step: T - 1 }
        );
        // A later step is still fine after an earlier one was used.
        assert_eq!(
            verify(&rfc_secret(), code(T + 1), NOW, 0, Some(T)),
            Verification::Accepted { step: T + 1, drift: 1 }
        );
    }

    #[test]
    fn when_two_window_steps_share_a_code_the_acceptable_one_wins() {
        // Steps 57 766 335 and 57 766 336 of the RFC seed both give 251166 (found by search).
        let (s, now) = (57_766_335, UnixTime(57_766_335 * PERIOD + 5));
        assert_eq!(rfc_secret().code_at(s), 251_166);
        assert_eq!(rfc_secret().code_at(s + 1), 251_166);
        let shared = TotpCode::from_number(251_166);
        // Nothing used yet: the centre is the closest match.
        assert_eq!(
            verify(&rfc_secret(), shared, now, 0, None),
            Verification::Accepted { step: s, drift: 0 }
        );
        // The centre was used: the later step is still acceptable, and is taken instead of a replay.
        assert_eq!(
            verify(&rfc_secret(), shared, now, 0, Some(s)),
            Verification::Accepted { step: s + 1, drift: 1 }
        );
        assert_eq!(
            verify(&rfc_secret(), shared, now, 0, Some(s + 1)),
            Verification::Replayed { step: s }
        );
    }

    #[test]
    fn on_a_tie_in_distance_the_earlier_step_wins() {
        // Steps 57 017 782 and 57 017 784 of the RFC seed both give 882938 (found by search); the step
        // between them does not.
        let (t, now) = (57_017_783, UnixTime(57_017_783 * PERIOD + 5));
        assert_eq!(rfc_secret().code_at(t - 1), 882_938);
        assert_eq!(rfc_secret().code_at(t + 1), 882_938);
        assert_ne!(rfc_secret().code_at(t), 882_938);
        let shared = TotpCode::from_number(882_938);
        assert_eq!(
            verify(&rfc_secret(), shared, now, 0, None),
            Verification::Accepted { step: t - 1, drift: -1 }
        );
        assert_eq!(
            verify(&rfc_secret(), shared, now, 0, Some(t - 1)),
            Verification::Accepted { step: t + 1, drift: 1 }
        );
        // With the centre moved to t + 4 the steps around t are still checked, earlier first.
        assert_eq!(
            verify(&rfc_secret(), shared, now, MAX_DRIFT, None),
            Verification::Accepted { step: t - 1, drift: -1 }
        );
    }

    #[test]
    fn a_phone_forty_seconds_fast_is_accepted_and_learns_drift() {
        // Five seconds into the step, +40 s lands in the next step: drift +1.
        assert_eq!(NOW.0.rem_euclid(PERIOD), 5);
        assert_eq!(
            verify(&rfc_secret(), phone_code(NOW, 40), NOW, 0, None),
            Verification::Accepted { step: T + 1, drift: 1 }
        );
        // Twenty-five seconds in, +40 s is two steps ahead: out of the window until drift has been learned.
        let late = NOW.plus_secs(20);
        assert_eq!(step_of(late), T);
        assert_eq!(
            verify(&rfc_secret(), phone_code(late, 40), late, 0, None),
            Verification::ClockOff { offset_steps: 2 }
        );
        assert_eq!(
            verify(&rfc_secret(), phone_code(late, 40), late, 1, None),
            Verification::Accepted { step: T + 2, drift: 2 }
        );
    }

    #[test]
    fn drift_is_learned_over_logins_as_the_phone_runs_ahead() {
        let secret = rfc_secret();
        let (mut drift, mut last_used) = (0, None);
        let mut now = UnixTime(NOW.0 + 10); // fifteen seconds into each step
        for (phone_ahead, want_drift) in [(40, 1), (60, 2), (80, 3), (80, 3)] {
            let typed = phone_code(now, phone_ahead);
            match verify(&secret, typed, now, drift, last_used) {
                Verification::Accepted { step, drift: learned } => {
                    assert_eq!(step, step_of(now) + want_drift, "phone {phone_ahead} s ahead");
                    assert_eq!(learned, want_drift, "phone {phone_ahead} s ahead");
                    (drift, last_used) = (learned, Some(step));
                }
                other => panic!("phone {phone_ahead} s ahead: {other:?}"),
            }
            now = now.plus_secs(24 * 3600);
        }
        // Without the learned drift the 80-s-fast code is outside the window.
        assert_eq!(
            verify(&secret, phone_code(now, 80), now, 0, last_used),
            Verification::ClockOff { offset_steps: 3 }
        );
        assert_eq!(
            verify(&secret, phone_code(now, 80), now, drift, last_used),
            Verification::Accepted {
                step: step_of(now) + 3,
                drift: 3
            }
        );
    }

    #[test]
    fn a_phone_eight_minutes_behind_gets_the_clock_help() {
        assert_eq!(
            verify(&rfc_secret(), phone_code(NOW, -8 * 60), NOW, 0, None),
            Verification::ClockOff { offset_steps: -16 }
        );
        assert_eq!(
            verify(&rfc_secret(), code(T + CLOCK_HELP_STEPS), NOW, 0, None),
            Verification::ClockOff {
                offset_steps: CLOCK_HELP_STEPS
            }
        );
        assert_eq!(
            verify(&rfc_secret(), code(T - CLOCK_HELP_STEPS - 1), NOW, 0, None),
            Verification::Wrong
        );
    }

    #[test]
    fn a_wrong_code_is_wrong() {
        let secret = rfc_secret();
        let wrong = TotpCode::from_number(123_456);
        let near = T - CLOCK_HELP_STEPS - MAX_DRIFT - WINDOW..=T + CLOCK_HELP_STEPS + MAX_DRIFT + WINDOW;
        assert!(near.clone().all(|s| secret.code_at(s) != wrong.value()));
        for drift in [-MAX_DRIFT, 0, 1, MAX_DRIFT] {
            assert_eq!(verify(&secret, wrong, NOW, drift, None), Verification::Wrong);
        }
    }

    #[test]
    fn drift_is_clamped() {
        let secret = rfc_secret();
        // Drift 100 counts as MAX_DRIFT: the window is T+3 ..= T+5.
        assert_eq!(
            verify(&secret, code(T + MAX_DRIFT), NOW, 100, None),
            Verification::Accepted {
                step: T + MAX_DRIFT,
                drift: MAX_DRIFT
            }
        );
        assert_eq!(
            verify(&secret, code(T + MAX_DRIFT + 1), NOW, 100, None),
            Verification::Accepted {
                step: T + MAX_DRIFT + 1,
                drift: MAX_DRIFT
            }
        );
        assert_eq!(
            verify(&secret, code(T + MAX_DRIFT + 2), NOW, 100, None),
            Verification::ClockOff {
                offset_steps: MAX_DRIFT + 2
            }
        );
        assert_eq!(
            verify(&secret, code(T - MAX_DRIFT), NOW, -100, None),
            Verification::Accepted {
                step: T - MAX_DRIFT,
                drift: -MAX_DRIFT
            }
        );
    }

    #[test]
    fn otpauth_uri_for_the_rfc_seed() {
        assert_eq!(
            otpauth_uri("Port Base", "anna@example.com", &rfc_secret()),
            "otpauth://totp/Port%20Base:anna@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Port%20Base"
        );
    }

    #[test]
    fn otpauth_uri_encodes_everything_but_unreserved_characters() {
        assert_eq!(
            otpauth_uri("A:B & C@d", "zoë:x+y@ex-a_m.p~le", &rfc_secret()),
            "otpauth://totp/A%3AB%20%26%20C%40d:zo%C3%AB%3Ax%2By@ex-a_m.p~le\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=A%3AB%20%26%20C%40d"
        );
    }

    #[test]
    fn a_phone_whose_clock_was_put_right_after_drifting_still_gets_in() {
        let secret = rfc_secret();
        let now = UnixTime(1_800_000_000);
        let t = step_of(now);
        // Drift +3 was learned; the phone's clock is now right again.
        let code = TotpCode::from_number(secret.code_at(t));
        assert_eq!(
            verify(&secret, code, now, 3, Some(t - 10)),
            Verification::Accepted { step: t, drift: 0 }
        );
    }

    #[test]
    fn an_old_used_code_outside_the_window_is_not_a_clock_problem() {
        let secret = rfc_secret();
        let now = UnixTime(1_800_000_000);
        let t = step_of(now);
        let old = TotpCode::from_number(secret.code_at(t - 6));
        assert_eq!(
            verify(&secret, old, now, 0, Some(t - 6)),
            Verification::Replayed { step: t - 6 }
        );
        assert_eq!(
            verify(&secret, old, now, 0, Some(t - 20)),
            Verification::ClockOff { offset_steps: -6 }
        );
    }

    #[test]
    fn phone_types_round_trip_and_refuse_others() {
        for phone in [Phone::Android, Phone::Iphone, Phone::Other] {
            assert_eq!(Phone::parse(phone.as_str()), Some(phone));
        }
        assert_eq!(Phone::parse("blackberry"), None);
    }
}
