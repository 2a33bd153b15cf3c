//! Errors that reach the person running Rollcall: each says where and what.

use std::fmt;

use rollcall_core::Upn;
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

/// One problem with what a person asked for, about one pupil when `upn` is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub upn: Option<Upn>,
    pub message: String,
}

impl Problem {
    pub fn general(message: impl Into<String>) -> Problem {
        Problem {
            upn: None,
            message: message.into(),
        }
    }

    pub fn about(upn: &Upn, message: impl Into<String>) -> Problem {
        Problem {
            upn: Some(upn.clone()),
            message: message.into(),
        }
    }
}

/// Why a use case refused, with nothing changed. Every page, API call and command says each the
/// same way: a web page and the JSON API map a refusal to the same status and message.
#[derive(Debug)]
pub enum Refusal {
    /// The role or reach does not allow it. Said the same way whether or not the thing asked for
    /// exists, so that nobody learns of a pupil or form outside their reach.
    Forbidden,
    /// What was asked for does not exist; said only to someone who may see all there is.
    NotFound(String),
    /// The request is wrong in ways the person can fix; each problem says how.
    Invalid(Vec<Problem>),
    /// Someone else changed the same thing first.
    Conflict {
        message: String,
        /// The pupils whose marks changed since the person's form was built.
        changed: Vec<Upn>,
    },
    /// The database failed.
    Store(StoreError),
    /// Rollcall itself failed (e.g. a thread it needs stopped).
    Internal(String),
}

impl Refusal {
    pub fn invalid(message: impl Into<String>) -> Refusal {
        Refusal::Invalid(vec![Problem::general(message)])
    }

    /// The problems of an invalid request (empty for other refusals).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Refusal::Invalid(p) => p,
            _ => &[],
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Forbidden => f.write_str("you do not have access to this"),
            Refusal::NotFound(m) | Refusal::Internal(m) => f.write_str(m),
            Refusal::Invalid(problems) => {
                let lines: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
                f.write_str(&lines.join("\n"))
            }
            Refusal::Conflict { message, .. } => f.write_str(message),
            Refusal::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Refusal {}

impl From<StoreError> for Refusal {
    /// A store's conflict or missing row is the use case's own; anything else is a failure.
    fn from(e: StoreError) -> Refusal {
        match e {
            StoreError::Conflict(message) => Refusal::Conflict {
                message,
                changed: Vec::new(),
            },
            StoreError::NotFound(m) => Refusal::NotFound(m),
            other => Refusal::Store(other),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        match e {
            AppError::Input(errors) => Refusal::Invalid(
                errors
                    .iter()
                    .map(|e| Problem::general(e.to_string()))
                    .collect(),
            ),
            AppError::Usage(m) => Refusal::invalid(m),
            AppError::Store(s) => Refusal::from(s),
            AppError::Io(m) => Refusal::Internal(m),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(e: Refusal) -> AppError {
        match e {
            Refusal::Forbidden => AppError::Usage(e.to_string()),
            Refusal::NotFound(m) => AppError::Store(StoreError::NotFound(m)),
            Refusal::Invalid(_) => AppError::Usage(e.to_string()),
            Refusal::Conflict { message, .. } => AppError::Store(StoreError::Conflict(message)),
            Refusal::Store(s) => AppError::Store(s),
            Refusal::Internal(m) => AppError::Io(m),
        }
    }
}
