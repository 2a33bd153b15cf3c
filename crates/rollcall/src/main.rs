//! The `rollcall` command: parses the command line, opens the database and hands over to
//! `rollcall-app`. Glue only: no domain logic lives here.

mod cli;
mod output;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use rollcall_app::alerts::{
    alerts_table, describe_policy, effective_policy, save_policy, AlertQuery,
};
use rollcall_app::import::{import_calendar, import_contacts, import_marks, import_pupils};
use rollcall_app::messages::Messaging;
use rollcall_app::open::DEFAULT_DB;
use rollcall_app::reports::{
    amendments_table, group_stats, group_stats_table, marks_table, pupil_stats, pupil_stats_table,
    pupils_table, GroupField,
};
use rollcall_app::table::{Format, Table};
use rollcall_app::{open_store, resolve_school, Actor, AppError};
use rollcall_core::Date;
use rollcall_rules::Rule;
use rollcall_store::Store;

use cli::{
    AddUser, Cli, Command, DemoArgs, ImportWhat, ImproveWhat, LeaveWhat, PenaltyWhat, PolicyWhat,
    ServeArgs, StatsWhat, UserWhat,
};
use output::{display_url, print_summary, report, write_table, Progress};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("error: {line}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), AppError> {
    let default_db = match cli.command {
        Command::Demo(_) => "rollcall-demo.db",
        _ => DEFAULT_DB,
    };
    let url = cli.db.clone().unwrap_or_else(|| default_db.to_owned());
    let school = cli.school.as_deref();
    match cli.command {
        Command::Init => init(&url),
        Command::Import { what } => import(&url, school, what),
        Command::Pupils(f) => pupils(&url, school, f.format),
        Command::Marks { from, to, format } => {
            let range = rollcall_store::DateRange { from, to };
            marks(&url, school, range, format.format)
        }
        Command::Amendments { upn, format } => {
            amendments(&url, school, upn.as_deref(), format.format)
        }
        Command::Stats { what } => stats(&url, school, what),
        Command::Alerts {
            as_of,
            all,
            upn,
            rule,
            format,
        } => {
            let query = AlertQuery {
                all_rules: all,
                upn,
                rule,
            };
            alerts(&url, school, as_of, &query, format.format)
        }
        Command::Explain { upn, as_of, rule } => explain(&url, school, &upn, as_of, rule),
        Command::Policy { what } => policy(&url, school, what),
        Command::Serve(args) => serve(&url, &args),
        Command::User { what } => user(&url, school, what),
        Command::Demo(args) => demo(&url, cli.db.is_some(), &args),
        Command::Contacts {
            short,
            as_of,
            format,
        } => contacts(&url, school, short.then_some(as_of), format.format),
        Command::Leave { what } => leave(&url, school, what),
        Command::NoticeToImprove { what } => notice_to_improve(&url, school, what),
        Command::PenaltyNotice { what } => penalty_notice(&url, school, what),
        Command::EvidencePack {
            upn,
            notice,
            as_of,
            amendments,
            out,
            prepared_by,
            format,
        } => evidence_pack(
            &url,
            school,
            &upn,
            notice,
            as_of,
            amendments,
            out.as_deref(),
            &prepared_by,
            format.format,
        ),
    }
}

/// `rollcall init`: creates the database or brings its schema up to date.
fn init(url: &str) -> Result<(), AppError> {
    let store = open_store(url)?;
    eprintln!("{} database {} is ready", store.backend(), display_url(url));
    Ok(())
}

/// `rollcall import`: a calendar, the admission register or marks.
fn import(url: &str, school: Option<&str>, what: ImportWhat) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    let outcome = match what {
        ImportWhat::Calendar { file } => import_calendar(store.as_mut(), &file)?,
        ImportWhat::Pupils { file } => {
            let s = resolve_school(store.as_mut(), school)?;
            import_pupils(store.as_mut(), &s, &file)?
        }
        ImportWhat::Contacts { file } => {
            let s = resolve_school(store.as_mut(), school)?;
            import_contacts(store.as_mut(), &s, &file)?
        }
        ImportWhat::Marks {
            file,
            recorded_by,
            role,
        } => {
            let s = resolve_school(store.as_mut(), school)?;
            let actor = Actor::command_line(recorded_by, role);
            let mut bar = Progress::new();
            let outcome = import_marks(
                store.as_mut(),
                &s,
                &file,
                &actor,
                &mut |stage, done, total| bar.update(stage, done, total),
            );
            bar.finish();
            outcome?
        }
    };
    report(&outcome);
    Ok(())
}

/// `rollcall pupils`: the admission register.
fn pupils(url: &str, school: Option<&str>, format: Format) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    write_table(&pupils_table(store.as_mut(), s.id)?, format)
}

/// `rollcall contacts`: every pupil's contacts, or the pupils whose contacts fall short today.
fn contacts(
    url: &str,
    school: Option<&str>,
    short: Option<Option<Date>>,
    format: Format,
) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    let table = match short {
        Some(as_of) => {
            let on = as_of.unwrap_or_else(|| rollcall_app::Clock::System.now().date());
            rollcall_app::contacts::shortfalls_table(store.as_mut(), s.id, on)?
        }
        None => rollcall_app::contacts::contacts_table(store.as_mut(), s.id)?,
    };
    write_table(&table, format)
}

/// `rollcall leave`: applications for leave of absence and their decisions.
fn leave(url: &str, school: Option<&str>, what: LeaveWhat) -> Result<(), AppError> {
    use rollcall_app::leave::{self, LeaveRequest, Verdict};
    use rollcall_core::Session;

    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    let now = rollcall_app::Clock::System.now();
    let (leaves, format) = match what {
        LeaveWhat::Request {
            upn,
            contact,
            from,
            to,
            code,
            reason,
            requested_on,
            recorded_by,
            format,
        } => {
            let req = LeaveRequest {
                upn,
                contact,
                first: (from.0, from.1.unwrap_or(Session::Am)),
                last: (to.0, to.1.unwrap_or(Session::Pm)),
                code,
                reason,
                requested_on,
            };
            let recorded =
                Actor::command_line(recorded_by, rollcall_core::Role::Office).recorded_at(now);
            let saved = leave::request(store.as_mut(), s.id, &req, recorded)?;
            if let Some(d) = &saved.decision {
                eprintln!("refused at once: {}", d.reason);
            }
            (vec![saved], format.format)
        }
        LeaveWhat::Decide {
            id,
            grant,
            refuse: _,
            on,
            reason,
            decided_by,
            format,
        } => {
            let verdict = Verdict {
                grant,
                on,
                reason,
                sessions: None,
            };
            let recorded =
                Actor::command_line(decided_by, rollcall_core::Role::Headteacher).recorded_at(now);
            let (saved, pre) = leave::decide(store.as_mut(), s.id, id, &verdict, recorded)?;
            if grant {
                eprintln!(
                    "granted: {} sessions pre-entered, {} marks kept",
                    pre.marked.len(),
                    pre.kept.len()
                );
            }
            (vec![saved], format.format)
        }
        LeaveWhat::List(format) => (store.leave_applications(s.id, None)?, format.format),
    };
    write_table(&leave::leave_table(store.as_mut(), s.id, &leaves)?, format)
}

/// `rollcall notice-to-improve`: notices to improve and their outcomes.
fn notice_to_improve(url: &str, school: Option<&str>, what: ImproveWhat) -> Result<(), AppError> {
    use rollcall_app::notices::{self, ImproveRequest};

    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    let now = rollcall_app::Clock::System.now();
    let (list, as_of, format) = match what {
        ImproveWhat::Issue {
            upn,
            contact,
            on,
            weeks,
            issued_by,
            format,
        } => {
            let req = ImproveRequest {
                upn,
                contact,
                issued_on: Some(on),
                weeks,
                attendance_at_least: None,
                support: String::new(),
                grounds: String::new(),
            };
            let recorded =
                Actor::command_line(issued_by, rollcall_core::Role::Headteacher).recorded_at(now);
            let saved =
                notices::issue_notice_to_improve(store.as_mut(), s.id, &req, now.date(), recorded)?;
            (vec![saved], on, format.format)
        }
        ImproveWhat::List { as_of, format } => (
            store.notices_to_improve(s.id, None)?,
            as_of.unwrap_or(now.date()),
            format.format,
        ),
    };
    write_table(
        &notices::improve_table(store.as_mut(), s.id, &list, as_of)?,
        format,
    )
}

/// `rollcall penalty-notice`: penalty notices, issued, withdrawn and listed.
fn penalty_notice(url: &str, school: Option<&str>, what: PenaltyWhat) -> Result<(), AppError> {
    use rollcall_app::notices::{self, PenaltyRequest};

    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    let now = rollcall_app::Clock::System.now();
    let (list, format) = match what {
        PenaltyWhat::Issue {
            upn,
            contact,
            on,
            served_by,
            issued_by,
            format,
        } => {
            let req = PenaltyRequest {
                upn,
                contact,
                issued_on: on,
                service: rollcall_store::Service::parse(&served_by)
                    .unwrap_or(rollcall_store::Service::Post),
                override_reason: None,
            };
            let recorded =
                Actor::command_line(issued_by, rollcall_core::Role::Headteacher).recorded_at(now);
            let authority = notices::authority(&s.details);
            let saved =
                notices::issue_penalty_notice(store.as_mut(), s.id, &authority, &req, recorded)?;
            (vec![saved], format.format)
        }
        PenaltyWhat::Withdraw {
            id,
            on,
            reason,
            withdrawn_by,
        } => {
            let recorded = Actor::command_line(withdrawn_by, rollcall_core::Role::Headteacher)
                .recorded_at(now);
            let saved =
                notices::withdraw_penalty_notice(store.as_mut(), s.id, id, on, &reason, recorded)?;
            (vec![saved], Format::Csv)
        }
        PenaltyWhat::List(format) => (store.penalty_notices(s.id, None)?, format.format),
    };
    write_table(
        &notices::penalty_table(store.as_mut(), s.id, &list)?,
        format,
    )
}

/// `rollcall evidence-pack`: the register extract of a penalty notice request, and the pack.
#[allow(clippy::too_many_arguments)]
fn evidence_pack(
    url: &str,
    school: Option<&str>,
    upn: &str,
    notice: Option<i64>,
    as_of: Option<rollcall_core::Date>,
    amendments: bool,
    out: Option<&std::path::Path>,
    prepared_by: &str,
    format: Format,
) -> Result<(), AppError> {
    use rollcall_app::evidence_pack::{self, PackBasis};

    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    let now = rollcall_app::Clock::System.now();
    let basis = match notice {
        Some(id) => PackBasis::Notice(id),
        None => PackBasis::Threshold(as_of.unwrap_or(now.date())),
    };
    let prepared =
        Actor::command_line(prepared_by, rollcall_core::Role::AttendanceOfficer).recorded_at(now);
    let pack = evidence_pack::evidence_pack(store.as_mut(), s.id, upn, basis, prepared)?;
    eprintln!(
        "register extract {} to {}: {} marks, {} amendments",
        pack.period.0,
        pack.period.1,
        pack.marks.rows.len(),
        pack.amendments.rows.len()
    );
    if let Some(path) = out {
        let bytes = evidence_pack::pack_pdf(&pack)?;
        std::fs::write(path, bytes)
            .map_err(|e| AppError::Io(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("evidence pack written to {}", path.display());
    }
    write_table(
        if amendments {
            &pack.amendments
        } else {
            &pack.marks
        },
        format,
    )
}

/// `rollcall marks`: the register as it stands.
fn marks(
    url: &str,
    school: Option<&str>,
    range: rollcall_store::DateRange,
    format: Format,
) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    write_table(&marks_table(store.as_mut(), s.id, range)?, format)
}

/// `rollcall amendments`: every change to a mark.
fn amendments(
    url: &str,
    school: Option<&str>,
    upn: Option<&str>,
    format: Format,
) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    write_table(&amendments_table(store.as_mut(), s.id, upn)?, format)
}

/// `rollcall stats`: attendance figures per pupil or per group.
fn stats(url: &str, school: Option<&str>, what: StatsWhat) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    match what {
        StatsWhat::Pupils { period, format } => {
            let stats = pupil_stats(store.as_mut(), s.id, period.from, period.to)?;
            write_table(&pupil_stats_table(&stats), format.format)
        }
        StatsWhat::Groups { period, by, format } => {
            let by = GroupField::parse_list(&by)?;
            let stats = pupil_stats(store.as_mut(), s.id, period.from, period.to)?;
            write_table(
                &group_stats_table(&by, &group_stats(&stats, &by)),
                format.format,
            )
        }
    }
}

/// `rollcall alerts`: the triggers found up to a date.
fn alerts(
    url: &str,
    school: Option<&str>,
    as_of: Date,
    query: &AlertQuery,
    format: Format,
) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    let found = rollcall_app::alerts::alerts(store.as_mut(), s.id, as_of, query)?;
    write_table(&alerts_table(&found), format)
}

/// `rollcall explain`: a pupil's alerts, with the sessions counted and the period looked at.
fn explain(
    url: &str,
    school: Option<&str>,
    upn: &str,
    as_of: Date,
    rule: Option<Rule>,
) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    let s = resolve_school(store.as_mut(), school)?;
    let query = AlertQuery {
        all_rules: true,
        upn: Some(upn.to_owned()),
        rule,
    };
    let found = rollcall_app::alerts::alerts(store.as_mut(), s.id, as_of, &query)?;
    let mut out = std::io::stdout().lock();
    if found.is_empty() {
        let _ = writeln!(
            out,
            "No alerts for {upn} in the academic year up to {as_of}."
        );
    }
    for f in &found {
        let _ = writeln!(out, "{}", rollcall_app::alerts::explain(f));
    }
    Ok(())
}

/// `rollcall policy`: save a policy file, or show the policy in force.
fn policy(url: &str, school: Option<&str>, what: PolicyWhat) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    match what {
        PolicyWhat::Set {
            file,
            defaults,
            recorded_by,
            role,
        } => {
            let s = if defaults {
                None
            } else {
                Some(resolve_school(store.as_mut(), school)?)
            };
            let actor = Actor::command_line(recorded_by, role);
            let version = save_policy(store.as_mut(), s.as_ref(), &file, &actor)?;
            let whose = s.map_or_else(
                || "the defaults for every school".to_owned(),
                |s| s.details.name,
            );
            eprintln!("saved policy version {version} for {whose}");
            Ok(())
        }
        PolicyWhat::Show => {
            let s = resolve_school(store.as_mut(), school)?;
            print!(
                "{}",
                describe_policy(&effective_policy(store.as_mut(), s.id)?)
            );
            Ok(())
        }
    }
}

/// `rollcall serve`: the web application, until Ctrl+C.
fn serve(url: &str, args: &ServeArgs) -> Result<(), AppError> {
    let settings = rollcall_web::Settings {
        secure_cookies: args.secure_cookies,
        idle_timeout: std::time::Duration::from_secs(args.idle_minutes.max(1) * 60),
        ..rollcall_web::Settings::default()
    };
    let messaging = messaging(args.config.as_deref())?;
    serve_web(url, &args.listen, settings, messaging)
}

/// How messages reach parents: as the configuration file at `path` says, or not at all.
fn messaging(path: Option<&Path>) -> Result<Messaging, AppError> {
    match path {
        Some(path) => Messaging::from_file(path),
        None => Ok(Messaging::none()),
    }
}

/// `rollcall user`: add or change a user, or list them.
fn user(url: &str, school: Option<&str>, what: UserWhat) -> Result<(), AppError> {
    let mut store = open_store(url)?;
    match what {
        UserWhat::Add(args) => add_user(store.as_mut(), school, args),
        UserWhat::List => list_users(store.as_mut()),
    }
}

fn add_user(store: &mut dyn Store, school: Option<&str>, args: AddUser) -> Result<(), AppError> {
    let role: rollcall_core::Role = args.role.parse().map_err(AppError::Usage)?;
    let school_id = match role {
        rollcall_core::Role::Administrator
        | rollcall_core::Role::Headteacher
        | rollcall_core::Role::AttendanceOfficer
        | rollcall_core::Role::Governor
            if school.is_none() && store.schools()?.len() > 1 =>
        {
            None
        }
        _ => Some(resolve_school(store, school)?.id),
    };
    let year_groups = args
        .year_groups
        .iter()
        .map(|y| {
            y.parse()
                .map_err(|e: rollcall_core::PupilError| AppError::Usage(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .map_err(|e| AppError::Io(format!("cannot read the password: {e}")))?;
    let new = rollcall_app::users::NewUser {
        username: args.username,
        display_name: args.name,
        role: Some(role),
        school: school_id,
        year_groups,
        forms: args.forms,
        children: args.children,
        contact: args.contact,
        password: password.trim_end_matches(['\r', '\n']).to_owned(),
        inactive: args.deactivate,
    };
    rollcall_app::users::save_user(store, &new)?;
    eprintln!("saved user {} ({})", new.username, role.title());
    Ok(())
}

fn list_users(store: &mut dyn Store) -> Result<(), AppError> {
    let mut t = Table::new(["username", "name", "role", "active"]);
    for u in store.users(None)? {
        t.push(vec![
            rollcall_app::table::Cell::Text(u.user.username),
            rollcall_app::table::Cell::Text(u.user.display_name),
            rollcall_app::table::Cell::Text(u.user.role.name().into()),
            rollcall_app::table::Cell::Bool(u.user.active),
        ]);
    }
    write_table(&t, Format::Csv)
}

fn demo(url: &str, named: bool, args: &DemoArgs) -> Result<(), AppError> {
    let messaging = messaging(args.config.as_deref())?;
    // The default demo database is rebuilt each time; a database named with --db must be empty.
    if !named {
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{url}{suffix}");
            if Path::new(&path).exists() {
                std::fs::remove_file(&path)
                    .map_err(|e| AppError::Io(format!("cannot replace {path}: {e}")))?;
            }
        }
    }
    let mut store = open_store(url)?;
    if !store.schools()?.is_empty() {
        return Err(AppError::Usage(format!(
            "{} already holds a school; the demo needs an empty database (leave out --db to use rollcall-demo.db)",
            display_url(url)
        )));
    }
    std::fs::create_dir_all(&args.files)
        .map_err(|e| AppError::Io(format!("cannot create {}: {e}", args.files.display())))?;
    let opts = rollcall_demo::DemoOptions {
        seed: args.seed,
        pupils: args.pupils,
    };
    eprintln!(
        "Building the demo school (seed {}) in {} …",
        args.seed,
        display_url(url)
    );
    let mut bar = Progress::new();
    // Served, the demo opens on a school day whose registers are still to be taken.
    let today = rollcall_app::demo::demo_today();
    let hold_back = (!args.no_serve).then_some(today);
    let outcomes = rollcall_app::demo::build_demo(
        store.as_mut(),
        &args.files,
        &opts,
        hold_back,
        &mut |stage, done, total| bar.update(stage, done, total),
    );
    bar.finish();
    for o in &outcomes? {
        report(o);
    }
    let school = resolve_school(store.as_mut(), None)?;
    let calendar = store.calendar(school.id)?;
    let (from, to) = calendar.span().unwrap_or_default();
    let stats = pupil_stats(store.as_mut(), school.id, from, to)?;
    let by = [GroupField::YearGroup];
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "\n{} (URN {}), {from} to {to}\n",
        school.details.name,
        school.details.urn.as_deref().unwrap_or("-")
    );
    print_summary(&mut out, &stats, &by);
    let people = rollcall_app::demo::demo_people(store.as_mut())?;
    rollcall_app::demo::demo_follow_up(store.as_mut())?;
    let db = format!(" --db {url}");
    let _ = writeln!(
        out,
        "\nThe demo's files are in {dir}/. Try:\n  rollcall{db} stats groups --from {from} --to {to} --by year_group,fsm\n  rollcall{db} stats pupils --from {from} --to {to} --format json\n  rollcall{db} pupils",
        dir = args.files.display()
    );
    if args.no_serve {
        return Ok(());
    }
    let _ = writeln!(
        out,
        "\nRollcall is at http://{}/ — the school's clock starts at 08:45 on {}, with that day's registers still to take.\nSign in as any of these (password: {}):",
        args.listen,
        today.format("%A %-d %B %Y"),
        rollcall_app::demo::DEMO_PASSWORD
    );
    for p in &people {
        let _ = writeln!(
            out,
            "  {:<11} {:<19} {}",
            p.username,
            p.role.title(),
            p.about
        );
    }
    let _ = writeln!(out, "Press Ctrl+C to stop.");
    drop(out);
    drop(store);
    let opens = today.and_hms_opt(8, 45, 0).unwrap_or_default();
    let settings = rollcall_web::Settings {
        clock: rollcall_web::Clock::starting_at(opens),
        ..rollcall_web::Settings::default()
    };
    serve_web(url, &args.listen, settings, messaging)
}

/// Serves the web application until Ctrl+C.
fn serve_web(
    url: &str,
    listen: &str,
    settings: rollcall_web::Settings,
    messaging: Messaging,
) -> Result<(), AppError> {
    let status = messaging.status();
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| AppError::Io(format!("cannot start: {e}")))?;
    runtime.block_on(async {
        let state = rollcall_web::AppState::for_url(url, settings)
            .map_err(|e| AppError::Usage(e.to_string()))?;
        state.app().set_messaging(messaging);
        match (&status.email_from, &status.sms_from) {
            (None, None) => eprintln!("messages to parents: none can be sent (no --config)"),
            (email, sms) => eprintln!(
                "messages to parents: e-mail {}, SMS {}",
                email
                    .as_deref()
                    .map_or("not configured".into(), |f| format!("from {f}")),
                sms.as_deref()
                    .map_or("not configured".into(), |f| format!("from {f}")),
            ),
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| AppError::Usage(format!("cannot listen on {listen}: {e}")))?;
        eprintln!("serving {} on http://{listen}/", display_url(url));
        rollcall_web::serve(listener, state)
            .await
            .map_err(|e| AppError::Io(e.to_string()))
    })
}
