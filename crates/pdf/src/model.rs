//! The printed documents, as plain data: what a letter, a certificate or a report says, with no
//! notion of how it is typeset.
//!
//! Every piece of text here is shown exactly as it is written: a name such as `*Smith*` or a
//! note such as `#panic("x")` is printed character for character, never read as markup.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// One printed document: it starts on a page of its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// What the document is, for the PDF's title and a reader's list of documents.
    pub title: String,
    /// The day the document is issued: printed on a letter and a certificate, and the PDF's own
    /// date (so that rendering it again gives the same bytes).
    pub date: Date,
    pub kind: Kind,
}

/// The three shapes of document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    Letter(Letter),
    Certificate(Certificate),
    Report(Report),
}

/// A day of the calendar. Printed in the British form, "8 July 2025".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Date {
    /// The date, or `None` when there is no such day (30 February, month 13, year 0).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let date = Date { year, month, day };
        date.is_valid().then_some(date)
    }

    /// Whether this is a real day between the years 1 and 9999.
    pub fn is_valid(&self) -> bool {
        let leap = (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0;
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (1..=9999).contains(&self.year) && (1..=days).contains(&self.day)
    }

    /// "8 July 2025".
    pub fn long(&self) -> String {
        let month = MONTHS
            .get(usize::from(self.month).wrapping_sub(1))
            .copied()
            .unwrap_or("?");
        format!("{} {month} {}", self.day, self.year)
    }
}

impl std::fmt::Display for Date {
    /// ISO 8601: `2025-07-08`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Date", 2)?;
        s.serialize_field("iso", &self.to_string())?;
        s.serialize_field("text", &self.long())?;
        s.end()
    }
}

/// The school's name and how to reach it, at the head of a letter.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Letterhead {
    pub school: String,
    pub address: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Who a letter goes to: the name and address as they show in an envelope's window.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Recipient {
    pub name: String,
    pub address: Vec<String>,
}

/// Who signs, and as what.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Signatory {
    pub name: String,
    pub role: String,
}

/// A letter to a parent: printed on the document's date.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Letter {
    pub letterhead: Letterhead,
    pub recipient: Recipient,
    /// The school's reference, quoted in a reply ("ATT/2025/0142").
    pub reference: Option<String>,
    /// The subject line, in bold above the greeting.
    pub subject: Option<String>,
    /// "Dear Mr and Mrs Khan,".
    pub salutation: String,
    pub body: Vec<Block>,
    /// "Yours sincerely,".
    pub closing: String,
    pub signatory: Signatory,
}

/// A certificate for a pupil: one page, landscape.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Certificate {
    pub school: String,
    pub pupil: String,
    /// What it is for: "100% attendance".
    pub title: String,
    /// The period it covers: "Autumn term 2025".
    pub period: String,
    /// A line of text under the pupil's name.
    pub text: String,
    /// One or two people who sign it.
    pub signatories: Vec<Signatory>,
}

/// A report or an extract of the register: a title page head, sections, and every page
/// numbered "Page x of y" with the report's footer line.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Report {
    pub title: String,
    pub subtitle: Option<String>,
    /// Where and when it was made: "Prepared from the register of Oakfield Primary on 8 July 2025
    /// at 10:05 by J. Patel".
    pub stamp: String,
    pub sections: Vec<Section>,
    /// Printed at the foot of every page: "Certified a true extract of the attendance register".
    pub footer: String,
}

/// A part of a report under its own heading.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// A piece of a letter's body or a report's section.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A heading, level 1 (largest) to 3.
    Heading {
        level: u8,
        text: String,
    },
    /// A paragraph; a line break in the text starts a new line.
    Paragraph {
        text: String,
    },
    /// A list of points.
    Bullets {
        items: Vec<String>,
    },
    /// Lines of "label: value", the labels in bold and aligned.
    KeyValues {
        pairs: Vec<KeyValue>,
    },
    Table(Table),
    /// A line to sign on, with the name and role under it.
    Signature {
        signatory: Signatory,
        /// Whether to leave a "Date: ____" beside the signature.
        dated: bool,
    },
    /// The rest starts on a new page.
    PageBreak,
}

impl Block {
    pub fn heading(level: u8, text: impl Into<String>) -> Block {
        Block::Heading {
            level,
            text: text.into(),
        }
    }

    pub fn paragraph(text: impl Into<String>) -> Block {
        Block::Paragraph { text: text.into() }
    }

    pub fn bullets<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Block {
        Block::Bullets {
            items: items.into_iter().map(Into::into).collect(),
        }
    }

    pub fn key_values<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Block {
        Block::KeyValues {
            pairs: pairs
                .into_iter()
                .map(|(key, value)| KeyValue {
                    key: key.into(),
                    value: value.into(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// A table whose header row is repeated at the top of every page it runs onto.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Table {
    pub columns: Vec<Column>,
    /// Each row has one cell per column.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = (S, Width)>) -> Table {
        Table {
            columns: columns
                .into_iter()
                .map(|(header, width)| Column {
                    header: header.into(),
                    width,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<S: Into<String>>(mut self, cells: impl IntoIterator<Item = S>) -> Table {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub header: String,
    pub width: Width,
}

/// How wide a table's column is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Width {
    /// As wide as its widest cell.
    Auto,
    /// A share of the width left over: two columns of `Share(1)` and `Share(2)` take a third
    /// and two thirds of it.
    Share(u16),
    /// A fixed width in millimetres.
    Mm(f32),
}
