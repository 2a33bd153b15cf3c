//! Phone numbers as people write them, turned into E.164 (`+447700900123`).

use crate::NotifyError;

/// The shortest international number, country code included, accepted.
const MIN_INTERNATIONAL_DIGITS: usize = 7;

/// The longest number E.164 allows, country code included.
const MAX_INTERNATIONAL_DIGITS: usize = 15;

/// Turns a phone number as written on a contact sheet into E.164 (`+` then digits), treating a
/// number without a country code as a UK one.
///
/// Spaces, hyphens, dots, slashes and brackets between digits are dropped. A UK number may be
/// written nationally (`07700 900123`), with the country code (`+44 7700 900123`,
/// `0044 7700 900123`, `447700900123`), and with the national `0` kept after the country code
/// (`+44 (0)7700 900123`, `+44 07700 900123`); each gives `+447700900123`. A UK number has 10
/// digits after the leading `0` (9 for some `01` and `08` numbers) and starts `01`, `02`, `03`,
/// `05`, `07`, `08` or `09`. A number of another country must be written with `+` or `00` and
/// its country code, and has 7 to 15 digits.
///
/// Anything else is refused with the reason: letters, an extension, a `+` that is not at the
/// start, too few or too many digits.
///
/// ```
/// use rollcall_notify::normalise_phone;
///
/// assert_eq!(normalise_phone("07700 900123").unwrap(), "+447700900123");
/// assert_eq!(normalise_phone("+44 (0)7700 900123").unwrap(), "+447700900123");
/// assert_eq!(normalise_phone("+33 6 12 34 56 78").unwrap(), "+33612345678");
/// assert!(normalise_phone("07700 9001").is_err());
/// assert!(normalise_phone("ring the office").is_err());
/// ```
pub fn normalise_phone(number: &str) -> Result<String, NotifyError> {
    normalise(number).map_err(|reason| NotifyError::BadPhoneNumber {
        number: number.to_owned(),
        reason,
    })
}

fn normalise(number: &str) -> Result<String, String> {
    let mut compact = String::with_capacity(number.len());
    for c in number.chars() {
        match c {
            '0'..='9' | '+' | '(' | ')' => compact.push(c),
            '-' | '.' | '/' => {}
            c if c.is_whitespace() => {}
            c if c.is_alphabetic() => {
                return Err(format!(
                    "it contains the letter {c:?}: give the number only, without an extension"
                ))
            }
            c => {
                return Err(format!(
                    "it contains {c:?}, which has no place in a phone number"
                ))
            }
        }
    }
    if compact.is_empty() {
        return Err("it has no digits".to_owned());
    }
    // "+44 (0)7700 ...": the national 0 in brackets after the country code is not dialled.
    for prefix in ["+44(0)", "0044(0)", "44(0)"] {
        if let Some(rest) = compact.strip_prefix(prefix) {
            compact = format!("{}{rest}", &prefix[..prefix.len() - 3]);
            break;
        }
    }
    match (compact.find('('), compact.find(')')) {
        (None, None) => {}
        (Some(open), Some(close))
            if open < close
                && compact.matches('(').count() == 1
                && compact.matches(')').count() == 1 => {}
        _ => return Err("its brackets do not pair up".to_owned()),
    }
    compact.retain(|c| c != '(' && c != ')');
    let (plus, digits) = match compact.strip_prefix('+') {
        Some(digits) => (true, digits),
        None => (false, compact.as_str()),
    };
    if digits.contains('+') {
        return Err("a '+' may only come first".to_owned());
    }
    if digits.is_empty() {
        return Err("it has no digits".to_owned());
    }
    if plus {
        international(digits)
    } else if let Some(rest) = digits.strip_prefix("00") {
        international(rest)
    } else if let Some(rest) = digits.strip_prefix('0') {
        uk(rest)
    } else if digits.starts_with("44") && (11..=12).contains(&digits.len()) {
        uk(&digits[2..])
    } else {
        Err(
            "it is neither a UK number (starting 0) nor one with a country code (starting + or 00)"
                .to_owned(),
        )
    }
}

/// `digits`: the country code and the number, without `+` or `00`.
fn international(digits: &str) -> Result<String, String> {
    if let Some(rest) = digits.strip_prefix("44") {
        return uk(rest.strip_prefix('0').unwrap_or(rest));
    }
    if digits.starts_with('0') {
        return Err("a country code does not start with 0".to_owned());
    }
    if !(MIN_INTERNATIONAL_DIGITS..=MAX_INTERNATIONAL_DIGITS).contains(&digits.len()) {
        return Err(format!(
            "it has {} digits with its country code; an international number has 7 to 15",
            digits.len()
        ));
    }
    Ok(format!("+{digits}"))
}

/// `significant`: a UK number without its leading 0 or the country code.
fn uk(significant: &str) -> Result<String, String> {
    let first = significant.as_bytes().first().copied();
    if !matches!(first, Some(b'1' | b'2' | b'3' | b'5' | b'7' | b'8' | b'9')) {
        return Err("a UK number starts 01, 02, 03, 05, 07, 08 or 09".to_owned());
    }
    let fits = match significant.len() {
        10 => true,
        9 => matches!(first, Some(b'1' | b'8')),
        _ => false,
    };
    if !fits {
        return Err(format!(
            "it has {} digits after the leading 0; a UK number has 10",
            significant.len()
        ));
    }
    Ok(format!("+44{significant}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(number: &str) -> String {
        match normalise_phone(number) {
            Err(NotifyError::BadPhoneNumber { reason, .. }) => reason,
            other => panic!("{number:?} gave {other:?}"),
        }
    }

    #[test]
    fn uk_numbers_however_written_become_e164() {
        for written in [
            "07700 900123",
            "07700900123",
            "07700-900-123",
            "(07700) 900123",
            "07700\u{a0}900\u{a0}123",
            " 07700 900 123 ",
            "+44 7700 900123",
            "+447700900123",
            "+44 (0)7700 900123",
            "+44(0)7700900123",
            "+44 07700 900123",
            "0044 7700 900123",
            "0044 (0)7700 900123",
            "447700900123",
            "44 (0)7700 900123",
            "+44 7700.900.123",
        ] {
            assert_eq!(
                normalise_phone(written).as_deref(),
                Ok("+447700900123"),
                "{written:?}"
            );
        }
        assert_eq!(normalise_phone("020 7946 0123").unwrap(), "+442079460123");
        assert_eq!(normalise_phone("01632 960123").unwrap(), "+441632960123");
        assert_eq!(normalise_phone("016977 3456").unwrap(), "+44169773456");
        assert_eq!(normalise_phone("0800 123456").unwrap(), "+44800123456");
    }

    #[test]
    fn numbers_of_other_countries_keep_their_country_code() {
        assert_eq!(
            normalise_phone("+33 6 12 34 56 78").unwrap(),
            "+33612345678"
        );
        assert_eq!(
            normalise_phone("00353 87 123 4567").unwrap(),
            "+353871234567"
        );
        assert_eq!(
            normalise_phone("+1 (202) 555-0143").unwrap(),
            "+12025550143"
        );
    }

    #[test]
    fn what_is_not_a_phone_number_is_refused_with_the_reason() {
        assert_eq!(reason(""), "it has no digits");
        assert_eq!(reason(" - "), "it has no digits");
        assert_eq!(reason("+"), "it has no digits");
        assert!(reason("ring the office").contains("letter 'r'"));
        assert!(reason("07700 900123 ext 4").contains("extension"));
        assert!(reason("07700 900123#").contains("'#'"));
        assert_eq!(
            reason("07700 90012"),
            "it has 9 digits after the leading 0; a UK number has 10"
        );
        assert!(reason("07700 9001234").contains("11 digits"));
        assert_eq!(
            reason("0600 123456"),
            "a UK number starts 01, 02, 03, 05, 07, 08 or 09"
        );
        assert_eq!(reason("0 7700 +900123"), "a '+' may only come first");
        assert_eq!(reason("((07700) 900123"), "its brackets do not pair up");
        assert_eq!(reason(")07700( 900123"), "its brackets do not pair up");
        assert!(reason("7700 900123").contains("neither a UK number"));
        assert!(reason("1234567").contains("neither a UK number"));
        assert_eq!(
            reason("+0 123 456 789"),
            "a country code does not start with 0"
        );
        assert!(reason("+1 234").contains("7 to 15"));
        assert!(reason("+1 2345 6789 0123 4567").contains("7 to 15"));
    }

    #[test]
    fn the_error_names_the_number() {
        assert_eq!(
            normalise_phone("12").unwrap_err().to_string(),
            "bad phone number \"12\": it is neither a UK number (starting 0) nor one with a \
             country code (starting + or 00)"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_gives_e164_or_a_reason_and_e164_stays_as_it_is(text in "\\PC{0,30}") {
            if let Ok(e164) = normalise_phone(&text) {
                proptest::prop_assert!(e164.starts_with('+'));
                proptest::prop_assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()));
                proptest::prop_assert!((8..=16).contains(&e164.len()), "{}", e164);
                proptest::prop_assert_eq!(normalise_phone(&e164), Ok(e164.clone()));
            }
        }

        #[test]
        fn number_like_text_never_panics(text in "[0-9+() .-]{0,24}") {
            if let Ok(e164) = normalise_phone(&text) {
                proptest::prop_assert_eq!(normalise_phone(&e164), Ok(e164.clone()));
            }
        }
    }
}
