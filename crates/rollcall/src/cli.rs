//! The command line: the commands, their options and how option values are read.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use rollcall_app::table::Format;
use rollcall_core::{parse_date, Date, Role, Session};
use rollcall_rules::Rule;

#[derive(Parser)]
#[command(
    name = "rollcall",
    version,
    about = "School attendance for England: registers, DfE statistics and statutory triggers"
)]
pub struct Cli {
    /// The database: sqlite:PATH or a file path (embedded), or postgres://USER@HOST:PORT/DB.
    #[arg(long, global = true, env = "ROLLCALL_DB", value_name = "URL")]
    pub db: Option<String>,
    /// The school to act on, by URN (or name, for a school with no URN), when the database holds several.
    #[arg(long, global = true, value_name = "URN")]
    pub school: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create the database or bring its schema up to date; harmless to run twice.
    Init,
    /// Import a calendar, the admission register or marks. All of a file or none of it.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// The admission register, with compulsory school age.
    Pupils(FormatArg),
    /// The register as it stands: marks with who recorded them and when.
    Marks {
        /// First day (YYYY-MM-DD); default: the first mark.
        #[arg(long, value_parser = date_arg)]
        from: Option<Date>,
        /// Last day (YYYY-MM-DD); default: the last mark.
        #[arg(long, value_parser = date_arg)]
        to: Option<Date>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Every change to a mark: the original entry, the new one, the reason, who and when.
    Amendments {
        /// Only this pupil's.
        #[arg(long, value_name = "UPN")]
        upn: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Attendance figures as the DfE computes them.
    Stats {
        #[command(subcommand)]
        what: StatsWhat,
    },
    /// The triggers of rules.md found up to a date in its academic year.
    Alerts {
        /// Evaluate as of this day (YYYY-MM-DD).
        #[arg(long, value_parser = date_arg)]
        as_of: Date,
        /// Every rule, the school's own and the returns and register checks too, not only the seven statutory alerts.
        #[arg(long)]
        all: bool,
        /// Only this pupil's.
        #[arg(long, value_name = "UPN")]
        upn: Option<String>,
        /// Only this rule's (e.g. penalty_threshold).
        #[arg(long, value_name = "RULE", value_parser = rule_arg)]
        rule: Option<Rule>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Explain a pupil's alerts: the sessions counted and the period looked at.
    Explain {
        /// The pupil.
        #[arg(long, value_name = "UPN")]
        upn: String,
        /// Evaluate as of this day (YYYY-MM-DD).
        #[arg(long, value_parser = date_arg)]
        as_of: Date,
        /// Only this rule's.
        #[arg(long, value_name = "RULE", value_parser = rule_arg)]
        rule: Option<Rule>,
    },
    /// The school's attendance policy: targets, bands and its own triggers.
    Policy {
        #[command(subcommand)]
        what: PolicyWhat,
    },
    /// Serve Rollcall in the browser.
    Serve(ServeArgs),
    /// Add or change users.
    User {
        #[command(subcommand)]
        what: UserWhat,
    },
    /// Build a demo secondary school of about 1,000 pupils with a full year of marks, and show its figures.
    Demo(DemoArgs),
    /// Pupils' contacts: who they are to each pupil, parental responsibility, lives with, numbers.
    Contacts {
        /// Only the pupils who fall short: of compulsory school age with fewer than two contacts
        /// with a phone number, or no parent they live with.
        #[arg(long)]
        short: bool,
        /// The day to judge `--short` on (YYYY-MM-DD); default: today.
        #[arg(long, value_parser = date_arg, requires = "short")]
        as_of: Option<Date>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Applications for leave of absence and their decisions.
    Leave {
        #[command(subcommand)]
        what: LeaveWhat,
    },
    /// Notices to improve: an improvement period of 3 to 6 school weeks before a penalty notice.
    NoticeToImprove {
        #[command(subcommand)]
        what: ImproveWhat,
    },
    /// Penalty notices, per parent per child, as the national framework allows them.
    PenaltyNotice {
        #[command(subcommand)]
        what: PenaltyWhat,
    },
    /// The evidence pack of a penalty notice request: the register extract of the offence period
    /// and the 10 school weeks before it (its marks, or with --amendments its amendments, as
    /// `rollcall marks` and `rollcall amendments` give them), and with --out the pack as PDF.
    EvidencePack {
        #[arg(long, value_name = "UPN")]
        upn: String,
        /// Build it on this penalty notice's offence.
        #[arg(long, value_name = "ID", conflicts_with = "as_of")]
        notice: Option<i64>,
        /// Build it on the latest penalty-threshold finding on or before this day; default: today.
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        as_of: Option<Date>,
        /// Print the amendments of the period instead of its marks.
        #[arg(long)]
        amendments: bool,
        /// Write the whole pack as PDF to this file.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// Who prepared it, for the certificate.
        #[arg(long, default_value = "attendance officer", value_name = "NAME")]
        prepared_by: String,
        #[command(flatten)]
        format: FormatArg,
    },
}

#[derive(Subcommand)]
pub enum ImproveWhat {
    /// Issue a notice to improve to a parent; its measure: no unauthorised session in the period.
    Issue {
        #[arg(long, value_name = "UPN")]
        upn: String,
        /// The parent's contact_id.
        #[arg(long, value_name = "ID")]
        contact: String,
        /// The day of issue.
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        on: Date,
        /// The improvement period in school weeks, from 3 to 6.
        #[arg(long, value_name = "N")]
        weeks: u32,
        /// Who issued it, for the record.
        #[arg(long, default_value = "headteacher", value_name = "NAME")]
        issued_by: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Every notice with its period and, once the period has ended, its outcome.
    List {
        /// The day to judge outcomes on (YYYY-MM-DD); default: today.
        #[arg(long, value_parser = date_arg)]
        as_of: Option<Date>,
        #[command(flatten)]
        format: FormatArg,
    },
}

#[derive(Subcommand)]
pub enum PenaltyWhat {
    /// Issue a penalty notice to one parent for one pupil, or refuse and say why.
    Issue {
        #[arg(long, value_name = "UPN")]
        upn: String,
        /// The parent's contact_id.
        #[arg(long, value_name = "ID")]
        contact: String,
        /// The day of issue.
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        on: Date,
        /// How it is served: post (received on the second working day), hand or email.
        #[arg(long, default_value = "post", value_parser = ["post", "hand", "email"])]
        served_by: String,
        /// Who issued it, for the record.
        #[arg(long, default_value = "headteacher", value_name = "NAME")]
        issued_by: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Withdraw a notice: it then counts towards nothing.
    Withdraw {
        id: i64,
        /// The day of the withdrawal.
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        on: Date,
        /// The ground: issued in error, outside the framework, a statutory defence.
        #[arg(long)]
        reason: String,
        /// Who withdrew it, for the record.
        #[arg(long, default_value = "headteacher", value_name = "NAME")]
        withdrawn_by: String,
    },
    /// Every notice.
    List(FormatArg),
}

#[derive(Subcommand)]
pub enum LeaveWhat {
    /// Record an application; prints it. One the law does not allow is refused at once.
    Request {
        #[arg(long, value_name = "UPN")]
        upn: String,
        /// The applicant's contact_id.
        #[arg(long, value_name = "ID")]
        contact: String,
        /// First day, and session (AM when not given): YYYY-MM-DD[:AM|PM].
        #[arg(long, value_name = "DATE[:AM|PM]", value_parser = point_arg)]
        from: (Date, Option<Session>),
        /// Last day, and session (PM when not given): YYYY-MM-DD[:AM|PM].
        #[arg(long, value_name = "DATE[:AM|PM]", value_parser = point_arg)]
        to: (Date, Option<Session>),
        /// C, C1, J1, S or R.
        #[arg(long)]
        code: String,
        /// The applicant's reasons.
        #[arg(long)]
        reason: String,
        /// The day the application was made.
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        requested_on: Date,
        /// Who is entering it, for the record.
        #[arg(long, default_value = "rollcall leave", value_name = "NAME")]
        recorded_by: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Grant or refuse an application; a grant pre-enters its code on each school session.
    Decide {
        id: i64,
        #[arg(long, conflicts_with = "refuse", required_unless_present = "refuse")]
        grant: bool,
        #[arg(long)]
        refuse: bool,
        /// The day of the decision.
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        on: Date,
        /// The reasons for the decision.
        #[arg(long)]
        reason: String,
        /// Who decided, for the record.
        #[arg(long, default_value = "headteacher", value_name = "NAME")]
        decided_by: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Every application with its decision.
    List(FormatArg),
}

#[derive(Subcommand)]
pub enum ImportWhat {
    /// The school, its register times, half terms and closures (TOML).
    Calendar { file: PathBuf },
    /// Admission register rows, matched on UPN (CSV).
    Pupils { file: PathBuf },
    /// Pupils' contacts, matched on contact_id and UPN (CSV).
    Contacts { file: PathBuf },
    /// Attendance marks, matched on UPN, date and session (CSV).
    Marks {
        file: PathBuf,
        /// Who is recording these marks, for the audit trail.
        #[arg(long, default_value = "rollcall import", value_name = "NAME")]
        recorded_by: String,
        /// Their role (administrator, headteacher, attendance_officer, head_of_year, form_tutor or office).
        #[arg(long, default_value = "administrator", value_name = "ROLE", value_parser = role_arg)]
        role: Role,
    },
}

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: String,
    /// Mark cookies Secure: use when users reach Rollcall over HTTPS (e.g. behind a proxy).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Minutes without a request after which a signed-in session ends.
    #[arg(long, default_value_t = 30)]
    pub idle_minutes: u64,
    /// The server's configuration file (TOML): how messages reach parents, [mail] for the
    /// school's SMTP server and [sms] for an SMS gateway, and [absence_message] for the day's
    /// text. Without it no message can be sent.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum UserWhat {
    /// Add a user, or change the user with that user name. The password is read from standard
    /// input; an empty line keeps a changed user's password.
    Add(AddUser),
    /// List the users.
    List,
}

#[derive(Args)]
pub struct AddUser {
    #[arg(long)]
    pub username: String,
    /// The role: administrator, headteacher, attendance_officer, head_of_year, form_tutor, office, governor or parent.
    #[arg(long)]
    pub role: String,
    /// The name shown to people (a changed user keeps theirs when none is given).
    #[arg(long, default_value = "")]
    pub name: String,
    /// A head of year's year group (repeat for several).
    #[arg(long = "year-group", value_name = "YEAR")]
    pub year_groups: Vec<String>,
    /// A form tutor's form (repeat for several).
    #[arg(long = "form", value_name = "FORM")]
    pub forms: Vec<String>,
    /// A parent's child, by UPN (repeat for several).
    #[arg(long = "child", value_name = "UPN")]
    pub children: Vec<String>,
    /// A parent's own contact_id among the children's contacts.
    #[arg(long, value_name = "ID", default_value = "")]
    pub contact: String,
    /// The user may no longer sign in (their sessions end; what they recorded stays).
    #[arg(long)]
    pub deactivate: bool,
}

#[derive(Subcommand)]
pub enum PolicyWhat {
    /// Save a policy file (TOML) as a new version, after checking it.
    Set {
        file: PathBuf,
        /// Save it as the defaults every school in the database inherits.
        #[arg(long)]
        defaults: bool,
        /// Who is saving it, for the record.
        #[arg(long, default_value = "rollcall policy", value_name = "NAME")]
        recorded_by: String,
        /// Their role (administrator, headteacher, attendance_officer, head_of_year, form_tutor or office).
        #[arg(long, default_value = "administrator", value_name = "ROLE", value_parser = role_arg)]
        role: Role,
    },
    /// Show the policy in force and the files that make it.
    Show,
}

#[derive(Subcommand)]
pub enum StatsWhat {
    /// One row per pupil on roll at any time in the period.
    Pupils {
        #[command(flatten)]
        period: Period,
        #[command(flatten)]
        format: FormatArg,
    },
    /// One row per group of pupils.
    Groups {
        #[command(flatten)]
        period: Period,
        /// Group by any of year_group, form, sex, fsm, pupil_premium, looked_after, social_worker, eal, young_carer, sen, ethnicity.
        #[arg(long, value_name = "FIELD,…", default_value = "")]
        by: String,
        #[command(flatten)]
        format: FormatArg,
    },
}

#[derive(Args)]
pub struct Period {
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, value_parser = date_arg)]
    pub from: Date,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long, value_parser = date_arg)]
    pub to: Date,
}

#[derive(Args)]
pub struct FormatArg {
    /// csv or json.
    #[arg(long, default_value = "csv", value_parser = format_arg)]
    pub format: Format,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Seed for the generator: the same seed gives the same school.
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// Number of pupils.
    #[arg(long, default_value_t = 1000)]
    pub pupils: usize,
    /// Build the demo and stop, without serving it.
    #[arg(long)]
    pub no_serve: bool,
    /// The address to serve the demo on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: String,
    /// Where to write the demo's interchange files.
    #[arg(long, default_value = "demo-files", value_name = "DIR")]
    pub files: PathBuf,
    /// The server's configuration file, as for `rollcall serve --config`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn date_arg(s: &str) -> Result<Date, String> {
    parse_date(s).ok_or_else(|| format!("'{s}' is not a date; expected YYYY-MM-DD"))
}

/// `YYYY-MM-DD`, or `YYYY-MM-DD:AM` / `YYYY-MM-DD:PM`.
fn point_arg(s: &str) -> Result<(Date, Option<Session>), String> {
    let (day, session) = match s.split_once(':') {
        Some((d, sess)) => (d, Some(sess)),
        None => (s, None),
    };
    let date = date_arg(day)?;
    let session = match session.map(str::trim) {
        None => None,
        Some(t) if t.eq_ignore_ascii_case("AM") => Some(Session::Am),
        Some(t) if t.eq_ignore_ascii_case("PM") => Some(Session::Pm),
        Some(t) => return Err(format!("'{t}' is not a session; expected AM or PM")),
    };
    Ok((date, session))
}

fn role_arg(s: &str) -> Result<Role, String> {
    s.parse()
}

fn rule_arg(s: &str) -> Result<Rule, String> {
    Rule::from_name(s).ok_or_else(|| {
        let names: Vec<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        format!("'{s}' is not a rule; expected one of {}", names.join(", "))
    })
}

fn format_arg(s: &str) -> Result<Format, String> {
    s.parse()
}
