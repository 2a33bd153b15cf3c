//! The fast read of a school's marks for statistics: `COPY … TO STDOUT` in PostgreSQL's binary
//! format, read straight into [`PupilMarkFact`]s.
//!
//! The format (PostgreSQL manual, "COPY", section "Binary Format") is an 11-byte signature, a
//! 32-bit flags field, a 32-bit header extension length and the extension; then per row a 16-bit
//! field count and, per field, a 32-bit length (-1 for NULL) and the value in the type's binary
//! form; then a field count of -1. All integers are big-endian.

use std::io::{self, BufRead, Read};

use rollcall_core::marks::MarkFact;
use rollcall_core::{BaseCode, Date, Session};
use rollcall_store::{stored_code, PupilId, PupilMarkFact, Result, StoreError};

use chrono::Datelike;

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// The columns read, in order: `pupil_id bigint, date date, session text, code text`.
const COLUMNS: i16 = 4;

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("the marks as read back: {what}"))
}

fn io_error(e: io::Error) -> StoreError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        corrupt("the data ends early")
    } else {
        StoreError::Database(Box::new(e))
    }
}

struct Reader<R> {
    inner: R,
    text: Vec<u8>,
}

impl<R: BufRead> Reader<R> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut bytes = [0; N];
        self.inner.read_exact(&mut bytes).map_err(io_error)?;
        Ok(bytes)
    }

    fn i16(&mut self) -> Result<i16> {
        self.array().map(i16::from_be_bytes)
    }

    fn i32(&mut self) -> Result<i32> {
        self.array().map(i32::from_be_bytes)
    }

    /// A field of `N` bytes, not NULL.
    fn field<const N: usize>(&mut self, name: &str) -> Result<[u8; N]> {
        let len = self.i32()?;
        if usize::try_from(len).ok() != Some(N) {
            return Err(corrupt(&format!("{name} has {len} bytes, not {N}")));
        }
        self.array()
    }

    /// A text field, not NULL.
    fn text(&mut self, name: &str) -> Result<&str> {
        let len = self.i32()?;
        let len = usize::try_from(len).map_err(|_| corrupt(&format!("{name} has length {len}")))?;
        self.text.resize(len, 0);
        self.inner.read_exact(&mut self.text).map_err(io_error)?;
        std::str::from_utf8(&self.text).map_err(|_| corrupt(&format!("{name} is not UTF-8")))
    }

    fn header(&mut self) -> Result<()> {
        if &self.array::<11>()? != SIGNATURE {
            return Err(corrupt("not PostgreSQL's binary COPY format"));
        }
        let _flags = self.i32()?;
        let extension = self.i32()?;
        let extension = u64::try_from(extension)
            .map_err(|_| corrupt(&format!("header extension of {extension} bytes")))?;
        let skipped =
            io::copy(&mut (&mut self.inner).take(extension), &mut io::sink()).map_err(io_error)?;
        if skipped != extension {
            return Err(corrupt("the header ends early"));
        }
        Ok(())
    }
}

/// Days from 0001-01-01 (day 1) to PostgreSQL's epoch, 2000-01-01, from which it counts dates.
fn postgres_epoch() -> i32 {
    Date::from_ymd_opt(2000, 1, 1).map_or(730_120, |d| d.num_days_from_ce())
}

/// Codes as stored, looked up once per distinct text rather than parsed per mark.
#[derive(Default)]
struct Codes {
    seen: Vec<(Box<str>, BaseCode)>,
}

impl Codes {
    fn base(&mut self, text: &str) -> Result<BaseCode> {
        if let Some((_, base)) = self.seen.iter().find(|(t, _)| &**t == text) {
            return Ok(*base);
        }
        let base = stored_code(text)?.base();
        self.seen.push((text.into(), base));
        Ok(base)
    }
}

/// Reads the rows of `COPY (SELECT pupil_id, date, session, code …) TO STDOUT (FORMAT binary)`.
pub(crate) fn read(input: impl BufRead) -> Result<Vec<PupilMarkFact>> {
    let mut r = Reader {
        inner: input,
        text: Vec::new(),
    };
    r.header()?;
    let epoch = postgres_epoch();
    let mut codes = Codes::default();
    let mut facts = Vec::new();
    loop {
        match r.i16()? {
            -1 => break,
            COLUMNS => {}
            n => return Err(corrupt(&format!("a row of {n} columns, not {COLUMNS}"))),
        }
        let pupil = PupilId(i64::from_be_bytes(r.field("pupil_id")?));
        let days = i32::from_be_bytes(r.field("date")?);
        let date = epoch
            .checked_add(days)
            .and_then(Date::from_num_days_from_ce_opt)
            .ok_or_else(|| corrupt(&format!("date {days} days from 2000-01-01")))?;
        let session = match r.text("session")? {
            "AM" => Session::Am,
            "PM" => Session::Pm,
            other => return Err(StoreError::unreadable("session", other)),
        };
        let code = codes.base(r.text("code")?)?;
        facts.push(PupilMarkFact {
            pupil,
            fact: MarkFact {
                date,
                session,
                code,
            },
        });
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(rows: &[(i64, i32, &str, &str)]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend(0i32.to_be_bytes());
        out.extend(3i32.to_be_bytes());
        out.extend(b"ext");
        for &(pupil, days, session, code) in rows {
            out.extend(4i16.to_be_bytes());
            out.extend(8i32.to_be_bytes());
            out.extend(pupil.to_be_bytes());
            out.extend(4i32.to_be_bytes());
            out.extend(days.to_be_bytes());
            for text in [session, code] {
                out.extend((text.len() as i32).to_be_bytes());
                out.extend(text.as_bytes());
            }
        }
        out.extend((-1i16).to_be_bytes());
        out
    }

    #[test]
    fn reads_marks_in_the_binary_copy_format() {
        let data = copy(&[
            (7, 0, "AM", "/"),
            (8, 9013, "PM", "B2"),
            (9, -1, "PM", "\\"),
        ]);
        let facts = read(&data[..]).unwrap();
        let d = |s| rollcall_core::parse_date(s).unwrap();
        assert_eq!(
            facts,
            [
                PupilMarkFact {
                    pupil: PupilId(7),
                    fact: MarkFact {
                        date: d("2000-01-01"),
                        session: Session::Am,
                        code: BaseCode::PresentAm
                    }
                },
                PupilMarkFact {
                    pupil: PupilId(8),
                    fact: MarkFact {
                        date: d("2024-09-04"),
                        session: Session::Pm,
                        code: BaseCode::B
                    }
                },
                PupilMarkFact {
                    pupil: PupilId(9),
                    fact: MarkFact {
                        date: d("1999-12-31"),
                        session: Session::Pm,
                        code: BaseCode::PresentPm
                    }
                },
            ]
        );
    }

    #[test]
    fn refuses_what_it_cannot_read_without_panicking() {
        let good = copy(&[(7, 0, "AM", "/")]);
        for cut in 0..good.len() {
            assert!(read(&good[..cut]).is_err(), "{cut}");
        }
        for bad in [
            copy(&[(7, 0, "XX", "/")]),
            copy(&[(7, 0, "AM", "Ø")]),
            copy(&[(7, i32::MAX, "AM", "/")]),
            copy(&[(7, i32::MIN, "AM", "/")]),
        ] {
            assert!(matches!(read(&bad[..]), Err(StoreError::Corrupt(_))));
        }
        let mut null = good.clone();
        // The session's length becomes -1 (NULL).
        let at = 11 + 4 + 4 + 3 + 2 + 4 + 8 + 4 + 4;
        null[at..at + 4].copy_from_slice(&(-1i32).to_be_bytes());
        assert!(matches!(read(&null[..]), Err(StoreError::Corrupt(_))));
        let mut wrong = good.clone();
        wrong[0] = b'X';
        assert!(matches!(read(&wrong[..]), Err(StoreError::Corrupt(_))));
    }
}
