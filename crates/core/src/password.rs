//! The policy for a new password (NIST SP 800-63B §5.1.1.2): 12 to 256 characters, no composition
//! rules, and refused when it is guessable — a common password, a predictable pattern, or the user's
//! own email. Guessability is judged by zxcvbn, which bundles the common-password and word lists.

/// Why a new password was refused. Each variant has its own message in the catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("the password is shorter than {min} characters")]
    TooShort { min: usize },
    #[error("the password is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the password contains the email address")]
    ContainsEmail,
    #[error("the password is a common password")]
    Common,
    #[error("the password is a predictable pattern")]
    Pattern,
    #[error("the password is a word or name by itself")]
    Word,
    #[error("the password is too easy to guess")]
    Guessable,
}

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

/// zxcvbn's score from 0 to 4; 3 means "safely unguessable" (about 10^10 guesses or more).
const MIN_SCORE: u8 = 3;

/// Checks a new password for `email` (and the other words the user gave, such as their name).
pub fn check_new_password(password: &str, email: &str, other_inputs: &[&str]) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort { min: MIN_CHARS });
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong { max: MAX_CHARS });
    }
    let lower = password.to_lowercase();
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local).to_lowercase();
    if lower.contains(&email.to_lowercase()) || (local.chars().count() >= 4 && lower.contains(&local)) {
        return Err(PasswordProblem::ContainsEmail);
    }
    let mut inputs = vec![email, local.as_str()];
    inputs.extend_from_slice(other_inputs);
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    if u8::from(entropy.score()) >= MIN_SCORE {
        return Ok(());
    }
    use zxcvbn::feedback::Warning as W;
    Err(match entropy.feedback().and_then(|f| f.warning()) {
        Some(
            W::ThisIsATop10Password
            | W::ThisIsATop100Password
            | W::ThisIsACommonPassword
            | W::ThisIsSimilarToACommonlyUsedPassword,
        ) => PasswordProblem::Common,
        Some(
            W::StraightRowsOfKeysAreEasyToGuess
            | W::ShortKeyboardPatternsAreEasyToGuess
            | W::RepeatsLikeAaaAreEasyToGuess
            | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess
            | W::SequencesLikeAbcAreEasyToGuess
            | W::RecentYearsAreEasyToGuess
            | W::DatesAreOftenEasyToGuess,
        ) => PasswordProblem::Pattern,
        Some(
            W::AWordByItselfIsEasyToGuess
            | W::NamesAndSurnamesByThemselvesAreEasyToGuess
            | W::CommonNamesAndSurnamesAreEasyToGuess,
        ) => PasswordProblem::Word,
        None => PasswordProblem::Guessable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "jan.jansen@example.nl";

    #[test]
    fn accepts_a_long_unpredictable_passphrase() {
        assert_eq!(check_new_password("harbour crane tulip 88 orbit", EMAIL, &[]), Ok(()));
        assert_eq!(check_new_password("Vk7#pq2!Lm9z", EMAIL, &[]), Ok(()));
    }

    #[test]
    fn length_bounds_count_characters_not_bytes() {
        assert_eq!(
            check_new_password("short", EMAIL, &[]),
            Err(PasswordProblem::TooShort { min: 12 })
        );
        assert_eq!(
            check_new_password(&"é".repeat(11), EMAIL, &[]),
            Err(PasswordProblem::TooShort { min: 12 })
        );
        assert_eq!(
            check_new_password(&"x".repeat(257), EMAIL, &[]),
            Err(PasswordProblem::TooLong { max: 256 })
        );
    }

    #[test]
    fn refuses_common_and_patterns() {
        assert_eq!(
            check_new_password("password1234", EMAIL, &[]),
            Err(PasswordProblem::Common)
        );
        assert!(matches!(
            check_new_password("qwertyuiopasdf", EMAIL, &[]),
            Err(PasswordProblem::Pattern | PasswordProblem::Common)
        ));
        assert_eq!(
            check_new_password("aaaaaaaaaaaaaaaa", EMAIL, &[]),
            Err(PasswordProblem::Pattern)
        );
        assert!(check_new_password("123456789012", EMAIL, &[]).is_err());
    }

    #[test]
    fn refuses_the_email_itself() {
        assert_eq!(
            check_new_password("jan.jansen@example.nl", EMAIL, &[]),
            Err(PasswordProblem::ContainsEmail)
        );
        assert_eq!(
            check_new_password("JAN.JANSEN-secret-99", EMAIL, &[]),
            Err(PasswordProblem::ContainsEmail)
        );
    }

    #[test]
    fn refuses_the_users_name_with_little_else() {
        assert!(check_new_password("Kwikstaartje2", EMAIL, &["Kwikstaartje"]).is_err());
    }
}
