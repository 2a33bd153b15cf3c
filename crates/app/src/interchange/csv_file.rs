//! A CSV file with a header row, read column by column with line numbers for every message.

use std::collections::HashMap;

use crate::error::InputError;

pub struct CsvFile {
    name: String,
    reader: csv::Reader<Box<dyn std::io::Read>>,
    columns: HashMap<String, usize>,
    record: csv::ByteRecord,
    line: usize,
}

/// A column the file must have, or may have.
#[derive(Clone, Copy)]
pub enum Column {
    Required(&'static str),
    Optional(&'static str),
}

impl CsvFile {
    /// Opens a CSV source and checks its header against the expected columns.
    pub fn new(
        name: &str,
        source: Box<dyn std::io::Read>,
        expected: &[Column],
    ) -> Result<CsvFile, InputError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(source);
        let headers = reader
            .byte_headers()
            .map_err(|e| InputError::new(name, Some(1), None, csv_message(&e)))?
            .clone();
        let mut columns = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            let h = String::from_utf8_lossy(h).trim().to_ascii_lowercase();
            if !h.is_empty() {
                columns.entry(h).or_insert(i);
            }
        }
        let missing: Vec<&str> = expected
            .iter()
            .filter_map(|c| match c {
                Column::Required(n) if !columns.contains_key(*n) => Some(*n),
                _ => None,
            })
            .collect();
        if !missing.is_empty() {
            let all: Vec<&str> = expected
                .iter()
                .map(|c| match c {
                    Column::Required(n) | Column::Optional(n) => *n,
                })
                .collect();
            return Err(InputError::new(
                name,
                Some(1),
                Some(missing[0]),
                format!(
                    "the header has no column '{}'; expected columns: {}",
                    missing.join("', '"),
                    all.join(", ")
                ),
            ));
        }
        Ok(CsvFile {
            name: name.to_owned(),
            reader,
            columns,
            record: csv::ByteRecord::new(),
            line: 1,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The index of a column, if the file has it.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.get(name).copied()
    }

    /// Moves to the next record. Returns `Ok(false)` at the end of the file.
    pub fn next_record(&mut self) -> Result<bool, InputError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => {
                if let Some(p) = self.record.position() {
                    self.line = usize::try_from(p.line()).unwrap_or(usize::MAX);
                }
                Ok(more)
            }
            Err(e) => {
                let line = e
                    .position()
                    .and_then(|p| usize::try_from(p.line()).ok())
                    .unwrap_or(self.line + 1);
                Err(InputError::new(
                    &self.name,
                    Some(line),
                    None,
                    csv_message(&e),
                ))
            }
        }
    }

    /// The line the current record starts on (the header is line 1).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Whether the current record has no text at all (a blank line).
    pub fn is_blank(&self) -> bool {
        self.record
            .iter()
            .all(|f| f.iter().all(u8::is_ascii_whitespace))
    }

    /// The text of a column in the current record; empty when the column or cell is absent.
    pub fn get(&self, column: Option<usize>, field: &str) -> Result<&str, InputError> {
        let Some(bytes) = column.and_then(|i| self.record.get(i)) else {
            return Ok("");
        };
        std::str::from_utf8(bytes).map_err(|_| {
            InputError::new(
                &self.name,
                Some(self.line),
                Some(field),
                "the text is not valid UTF-8",
            )
        })
    }

    /// An error about a field of the current record.
    pub fn error(&self, field: &str, message: impl Into<String>) -> InputError {
        InputError::new(&self.name, Some(self.line), Some(field), message)
    }
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".to_owned(),
        csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
        _ => format!("malformed CSV: {e}"),
    }
}
