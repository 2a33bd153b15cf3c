//! The national attendance and absence codes (codes.md) and their statistical categories.
//!
//! A code is read against the date of its session: the 2024 regulations (in force from
//! 19 August 2024) retired `H`, `F`, `J` and `Y`, and brought in `C1`, `C2`, `J1`, `K`, `Q` and
//! `Y1`–`Y7`. Registers are kept for six years, so older marks keep the category they had then.

use std::fmt;

use crate::dates::Date;

/// The date the School Attendance (Pupil Registration) (England) Regulations 2024 came into force.
pub fn regulations_2024() -> Date {
    Date::from_ymd_opt(2024, 8, 19).expect("valid date")
}

/// The DfE statistical category of a mark. Every possible session is exactly one of the first four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Present,
    /// Approved educational activity: the pupil is not in school but is being educated.
    Aea,
    Authorised,
    Unauthorised,
    /// Not a possible session: the pupil was not expected to attend (e.g. `D`, `X`, `Y1`–`Y7`).
    NotPossible,
    /// Administrative codes (`Z`, `#`): not possible sessions either.
    Administrative,
}

impl Category {
    /// Whether a session with this category counts as a possible session.
    pub fn is_possible(self) -> bool {
        matches!(
            self,
            Category::Present | Category::Aea | Category::Authorised | Category::Unauthorised
        )
    }

    pub fn is_absence(self) -> bool {
        matches!(self, Category::Authorised | Category::Unauthorised)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Present => "present",
            Category::Aea => "aea",
            Category::Authorised => "authorised",
            Category::Unauthorised => "unauthorised",
            Category::NotPossible => "not possible",
            Category::Administrative => "administrative",
        }
    }
}

macro_rules! base_codes {
    ($( $variant:ident => $sym:literal, $category:ident, $meaning:literal, $era:ident; )*) => {
        /// A national code, without any sub-code a management information system may append.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum BaseCode { $( $variant ),* }

        impl BaseCode {
            /// Every national code, current and retired, in the order of codes.md.
            pub const ALL: &'static [BaseCode] = &[$( BaseCode::$variant ),*];

            /// The code as written in a register.
            pub fn symbol(self) -> &'static str {
                match self { $( BaseCode::$variant => $sym ),* }
            }

            /// What the code means (its meaning under the 2024 regulations, or when it was last in use).
            pub fn meaning(self) -> &'static str {
                match self { $( BaseCode::$variant => $meaning ),* }
            }

            /// The category under the 2024 regulations (for retired codes: their category when in use).
            fn category_2024(self) -> Category {
                match self { $( BaseCode::$variant => Category::$category ),* }
            }

            fn era(self) -> Era {
                match self { $( BaseCode::$variant => Era::$era ),* }
            }

            /// Looks up a code by its exact symbol.
            pub fn from_symbol(symbol: &str) -> Option<BaseCode> {
                match symbol { $( $sym => Some(BaseCode::$variant), )* _ => None }
            }
        }
    };
}

/// When a code may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Era {
    /// Before and after the 2024 regulations.
    Always,
    /// Introduced by the 2024 regulations.
    From2024,
    /// Withdrawn by the 2024 regulations.
    Before2024,
}

base_codes! {
    PresentAm => "/", Present, "Present at morning registration", Always;
    PresentPm => "\\", Present, "Present at afternoon registration", Always;
    L => "L", Present, "Late: arrived after the register began but before it closed", Always;
    K => "K", Aea, "Attending education provision arranged by the local authority", From2024;
    V => "V", Aea, "Attending an educational visit or trip", Always;
    P => "P", Aea, "Participating in a supervised sporting activity", Always;
    W => "W", Aea, "Attending work experience", Always;
    B => "B", Aea, "Attending any other approved educational activity", Always;
    D => "D", NotPossible, "Dual registered: attending another school where also registered", Always;
    C1 => "C1", Authorised, "Leave of absence: regulated performance or regulated employment abroad", From2024;
    M => "M", Authorised, "Leave of absence: medical or dental appointment", Always;
    J1 => "J1", Authorised, "Leave of absence: interview for employment or admission", From2024;
    S => "S", Authorised, "Leave of absence: study leave for a public examination", Always;
    C2 => "C2", Authorised, "Leave of absence: compulsory-school-age pupil on a part-time timetable", From2024;
    C => "C", Authorised, "Leave of absence: exceptional circumstances", Always;
    X => "X", NotPossible, "Not of compulsory school age and not required to attend", Always;
    T => "T", Authorised, "Parent travelling for occupational purposes", Always;
    R => "R", Authorised, "Religious observance", Always;
    I => "I", Authorised, "Illness (physical or mental), not a medical or dental appointment", Always;
    E => "E", Authorised, "Suspended or excluded, no alternative provision made", Always;
    Q => "Q", NotPossible, "Unable to attend: lack of access arrangements", From2024;
    Y1 => "Y1", NotPossible, "Unable to attend: transport normally provided not available", From2024;
    Y2 => "Y2", NotPossible, "Unable to attend: widespread disruption to travel", From2024;
    Y3 => "Y3", NotPossible, "Unable to attend: part of the school premises closed", From2024;
    Y4 => "Y4", NotPossible, "Unable to attend: whole school site unexpectedly closed", From2024;
    Y5 => "Y5", NotPossible, "Unable to attend: in criminal justice detention", From2024;
    Y6 => "Y6", NotPossible, "Unable to attend: public health guidance or law", From2024;
    Y7 => "Y7", NotPossible, "Unable to attend: any other unavoidable cause", From2024;
    G => "G", Unauthorised, "Holiday not granted by the school", Always;
    N => "N", Unauthorised, "Reason for absence not yet established", Always;
    O => "O", Unauthorised, "Absent in other or unknown circumstances", Always;
    U => "U", Unauthorised, "Arrived after the register closed", Always;
    Z => "Z", Administrative, "Prospective pupil, not yet on the admission register", Always;
    Closed => "#", Administrative, "Planned whole or partial school closure", Always;
    H => "H", Authorised, "Agreed family holiday (before 19 August 2024)", Before2024;
    F => "F", Authorised, "Agreed extended family holiday (before 19 August 2024)", Before2024;
    J => "J", Aea, "Interview (before 19 August 2024)", Before2024;
    Y => "Y", NotPossible, "Unable to attend due to exceptional circumstances (before 19 August 2024)", Before2024;
}

impl BaseCode {
    /// The category of this code on a session of the given date.
    ///
    /// Every code keeps one category across the 2024 change except in meaning, so the date only
    /// decides whether the code may be used at all ([`Code::parse`]).
    pub fn category(self) -> Category {
        self.category_2024()
    }

    /// True for the codes that are unauthorised absence: `G`, `N`, `O`, `U` (and `U`'s lateness).
    pub fn is_unauthorised(self) -> bool {
        self.category() == Category::Unauthorised
    }

    /// The code to use instead of a code withdrawn in 2024.
    fn replacement(self) -> &'static str {
        match self {
            BaseCode::H | BaseCode::F => {
                "use G (holiday not granted) or C (leave in exceptional circumstances)"
            }
            BaseCode::J => "use J1 (leave of absence for an interview)",
            BaseCode::Y => "use one of Y1 to Y7 (unable to attend), or Q",
            _ => "",
        }
    }
}

/// A mark's code as read from a register: a national code, and the original text when a
/// management information system appended a sub-code (e.g. `B2`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Code {
    base: BaseCode,
    /// The text as written, only when it differs from the national code's symbol.
    sub_code: Option<Box<str>>,
}

/// Why a code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("no code given; expected a national attendance code such as / \\ L I M N O G U")]
    Empty,
    #[error("unknown code '{0}'; expected a national attendance code (codes.md), such as / \\ L I M N O G U")]
    Unknown(String),
    #[error("code '{code}' was withdrawn on 19 August 2024 and cannot be used for a session on {date}: {replacement}")]
    Withdrawn {
        code: String,
        date: Date,
        replacement: &'static str,
    },
}

/// A code accepted with a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeWarning {
    /// A code of the 2024 regulations on a session before they came into force.
    IntroducedLater { code: String, date: Date },
}

impl fmt::Display for CodeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeWarning::IntroducedLater { code, date } => write!(
                f,
                "code '{code}' came in on 19 August 2024 but is used on {date}; it is counted with its 2024 category"
            ),
        }
    }
}

impl Code {
    /// A plain national code.
    pub fn new(base: BaseCode) -> Code {
        Code {
            base,
            sub_code: None,
        }
    }

    /// Reads a code for a session on `date`.
    ///
    /// An exact national code is taken first; otherwise a national code followed by one or two
    /// digits is a sub-code that takes its parent's category and keeps its text.
    pub fn parse(text: &str, date: Date) -> Result<(Code, Option<CodeWarning>), CodeError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CodeError::Empty);
        }
        let code = Code::parse_stored(text).ok_or_else(|| CodeError::Unknown(text.to_owned()))?;
        let base = code.base;
        let new_rules = date >= regulations_2024();
        let warning = match base.era() {
            Era::Before2024 if new_rules => {
                return Err(CodeError::Withdrawn {
                    code: text.to_owned(),
                    date,
                    replacement: base.replacement(),
                })
            }
            Era::From2024 if !new_rules => Some(CodeWarning::IntroducedLater {
                code: text.to_owned(),
                date,
            }),
            _ => None,
        };
        Ok((code, warning))
    }

    /// Reads a code that was validated when it was written: an exact national code, or a
    /// national code with a sub-code, without regard to date.
    pub fn parse_stored(text: &str) -> Option<Code> {
        if let Some(base) = BaseCode::from_symbol(text) {
            return Some(Code::new(base));
        }
        let digits = text.bytes().rev().take_while(u8::is_ascii_digit).count();
        let i = text.len() - digits;
        if digits == 0 || digits > 2 || i == 0 {
            return None;
        }
        (i..text.len())
            .rev()
            .find_map(|j| BaseCode::from_symbol(&text[..j]))
            .map(|base| Code {
                base,
                sub_code: Some(Box::from(text)),
            })
    }

    pub fn base(&self) -> BaseCode {
        self.base
    }

    /// The code as it was written, sub-code included.
    pub fn text(&self) -> &str {
        self.sub_code.as_deref().unwrap_or(self.base.symbol())
    }

    pub fn category(&self) -> Category {
        self.base.category()
    }

    /// Present (`/` and `\`) in either session are the same mark.
    pub fn same_mark(&self, other: &Code) -> bool {
        let present = |c: &Code| {
            c.sub_code.is_none() && matches!(c.base, BaseCode::PresentAm | BaseCode::PresentPm)
        };
        self == other || (present(self) && present(other))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::parse_date;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    /// Every row of codes.md: symbol, category, possible.
    const TABLE: &[(&str, Category, bool)] = &[
        ("/", Category::Present, true),
        ("\\", Category::Present, true),
        ("L", Category::Present, true),
        ("K", Category::Aea, true),
        ("V", Category::Aea, true),
        ("P", Category::Aea, true),
        ("W", Category::Aea, true),
        ("B", Category::Aea, true),
        ("D", Category::NotPossible, false),
        ("C1", Category::Authorised, true),
        ("M", Category::Authorised, true),
        ("J1", Category::Authorised, true),
        ("S", Category::Authorised, true),
        ("C2", Category::Authorised, true),
        ("C", Category::Authorised, true),
        ("X", Category::NotPossible, false),
        ("T", Category::Authorised, true),
        ("R", Category::Authorised, true),
        ("I", Category::Authorised, true),
        ("E", Category::Authorised, true),
        ("Q", Category::NotPossible, false),
        ("Y1", Category::NotPossible, false),
        ("Y2", Category::NotPossible, false),
        ("Y3", Category::NotPossible, false),
        ("Y4", Category::NotPossible, false),
        ("Y5", Category::NotPossible, false),
        ("Y6", Category::NotPossible, false),
        ("Y7", Category::NotPossible, false),
        ("G", Category::Unauthorised, true),
        ("N", Category::Unauthorised, true),
        ("O", Category::Unauthorised, true),
        ("U", Category::Unauthorised, true),
        ("Z", Category::Administrative, false),
        ("#", Category::Administrative, false),
    ];

    #[test]
    fn every_current_code_has_its_category() {
        for &(symbol, category, possible) in TABLE {
            let (code, warning) = Code::parse(symbol, d("2024-09-02")).unwrap();
            assert_eq!(code.category(), category, "{symbol}");
            assert_eq!(code.category().is_possible(), possible, "{symbol}");
            assert_eq!(code.text(), symbol);
            assert_eq!(warning, None);
        }
    }

    #[test]
    fn old_codes_are_read_by_the_session_date() {
        let before = d("2024-07-19");
        for (symbol, category) in [
            ("H", Category::Authorised),
            ("F", Category::Authorised),
            ("J", Category::Aea),
            ("Y", Category::NotPossible),
            ("B", Category::Aea),
            ("X", Category::NotPossible),
        ] {
            let (code, warning) = Code::parse(symbol, before).unwrap();
            assert_eq!(code.category(), category, "{symbol}");
            assert_eq!(warning, None);
        }
        for symbol in ["H", "F", "J", "Y"] {
            let err = Code::parse(symbol, regulations_2024()).unwrap_err();
            assert!(matches!(err, CodeError::Withdrawn { .. }), "{symbol}");
            assert!(err.to_string().contains("use "), "{err}");
        }
    }

    #[test]
    fn new_codes_before_2024_warn() {
        for symbol in ["C1", "C2", "J1", "K", "Q", "Y1", "Y7"] {
            let (code, warning) = Code::parse(symbol, d("2024-08-18")).unwrap();
            assert_eq!(code.text(), symbol);
            assert!(warning.is_some(), "{symbol}");
        }
    }

    #[test]
    fn sub_codes_take_the_parent_category_and_keep_their_text() {
        let date = d("2025-01-06");
        let (b2, _) = Code::parse("B2", date).unwrap();
        assert_eq!(b2.base(), BaseCode::B);
        assert_eq!(b2.text(), "B2");
        let (c12, _) = Code::parse("C12", date).unwrap();
        assert_eq!(c12.base(), BaseCode::C1);
        assert_eq!(
            Code::parse("I03", date).unwrap().0.category(),
            Category::Authorised
        );
        for bad in ["A", "ZZ", "LL", "B123", "2", "Y8x", "?", "H1"] {
            assert!(Code::parse(bad, date).is_err(), "{bad}");
        }
        assert!(matches!(
            Code::parse("H1", date),
            Err(CodeError::Withdrawn { .. })
        ));
    }

    #[test]
    fn present_is_the_same_in_either_session() {
        let date = d("2025-01-06");
        let am = Code::parse("/", date).unwrap().0;
        let pm = Code::parse("\\", date).unwrap().0;
        assert!(am.same_mark(&pm));
        assert!(!am.same_mark(&Code::new(BaseCode::L)));
    }
}
