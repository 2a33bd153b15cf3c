//! Errors that reach the person running Rollcall: each says where and what.

use std::fmt;

use rollcall_store::StoreError;

/// One problem in an input file: the file, the line (CSV: 1-based, the header is line 1), the
/// field, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl InputError {
    pub fn new(
        file: &str,
        line: Option<usize>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.to_owned(),
            line,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field '{field}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input: nothing was changed.
    #[error("{}", format_input_errors(.0))]
    Input(Vec<InputError>),
    /// The command cannot run as asked (e.g. several schools and no `--school`).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(String),
}

/// At most this many problems are listed; the rest are counted.
const LISTED: usize = 20;

fn format_input_errors(errors: &[InputError]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().take(LISTED).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&e.to_string());
    }
    if errors.len() > LISTED {
        out.push_str(&format!("\n… and {} more problems", errors.len() - LISTED));
    }
    if errors.len() > 1 || errors.first().is_some_and(|e| e.line.is_some()) {
        out.push_str("\nnothing was imported");
    }
    out
}

impl AppError {
    pub fn input(
        file: &str,
        line: Option<usize>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> AppError {
        AppError::Input(vec![InputError::new(file, line, field, message)])
    }
}

pub type Result<T> = std::result::Result<T, AppError>;
