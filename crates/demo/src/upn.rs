//! Unique Pupil Numbers.
//!
//! A UPN is 13 characters: a check letter, then 12 digits (3-digit LA number, 4-digit establishment number,
//! 2-digit year of allocation, 3-digit serial). The check letter is the sum of each digit times its 1-based
//! position (positions 2 to 13), modulo 23, looked up in `ABCDEFGHJKLMNPQRTUVWXYZ`.

const CHECK_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// The check letter for the 12 digits that follow it, or `None` if they are not 12 ASCII digits.
pub(crate) fn check_letter(digits: &str) -> Option<char> {
    let bytes = digits.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: usize = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| usize::from(b - b'0') * (i + 2))
        .sum();
    Some(char::from(CHECK_LETTERS[sum % 23]))
}

/// A full UPN from its parts.
pub(crate) fn make(la: &str, estab: &str, year: u32, serial: u32) -> String {
    let digits = format!("{la}{estab}{:02}{:03}", year % 100, serial % 1000);
    let letter = check_letter(&digits).expect("UPN parts are digits");
    format!("{letter}{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_letter_hand_computed() {
        // 8224001 17 001: 8*2 + 2*3 + 2*4 + 4*5 + 0*6 + 0*7 + 1*8 + 1*9 + 7*10 + 0*11 + 0*12 + 1*13
        //   = 16 + 6 + 8 + 20 + 0 + 0 + 8 + 9 + 70 + 0 + 0 + 13 = 150; 150 mod 23 = 12 -> "N" (A=0 ... M=11, N=12).
        assert_eq!(check_letter("822400117001"), Some('N'));
        assert_eq!(make("822", "4001", 2017, 1), "N822400117001");
        // 8224001 13 245: 16 + 6 + 8 + 20 + 0 + 0 + 8 + 9 + 30 + 22 + 48 + 65 = 232; 232 mod 23 = 2 -> "C".
        assert_eq!(make("822", "4001", 2013, 245), "C822400113245");
    }

    #[test]
    fn check_letter_rejects_bad_input() {
        assert_eq!(check_letter("82240011700"), None);
        assert_eq!(check_letter("82240011700A"), None);
    }
}
