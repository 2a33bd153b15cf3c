//! Test helpers for Rollcall.
//!
//! [`TempPostgres`] starts a throwaway, real PostgreSQL server in a temporary
//! folder on a free TCP port of 127.0.0.1. It is tuned for speed, not safety
//! (`fsync`, `synchronous_commit` and `full_page_writes` are off), and is
//! removed again when it is dropped.
//!
//! Most tests should not start their own server: they call
//! [`fresh_database_url`], which starts one server per test binary (see
//! [`shared`]) and creates a new, empty database on it for the caller.
//!
//! ```no_run
//! let url = rollcall_testkit::fresh_database_url();
//! let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
//! client.batch_execute("CREATE TABLE t (id int)").unwrap();
//! ```
//!
//! The server binaries (`initdb`, `pg_ctl`, `postgres`) are looked up in the
//! folder named by `ROLLCALL_PG_BINDIR` if it is set, then on `PATH`, then
//! under `/usr/lib/postgresql/*/bin` (highest version first), where Debian's
//! `postgresql` package puts them.
//!
//! PostgreSQL refuses to run as root. When the tests run as root, every
//! PostgreSQL command is run as the `postgres` system user (through
//! `runuser`, or `su` where there is no `runuser`), and the temporary folder
//! is handed to that user.
//!
//! For code that talks to other servers there are small, real servers on
//! 127.0.0.1 that keep what they are sent: [`smtp::SmtpServer`] for e-mail and
//! [`http::HttpServer`] for web services.
//!
//! For printed documents, [`pdf_text`] reads a PDF's text and [`pdf_to_png`] draws its pages
//! as pictures (Debian's poppler-utils).

pub mod browser;
pub mod http;
pub mod pdf;
mod serve;
pub mod smtp;

pub use pdf::{pdf_text, pdf_to_png};

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use tempfile::TempDir;

/// Environment variable naming a folder that holds `initdb`, `pg_ctl` and
/// `postgres`; it takes precedence over `PATH` and `/usr/lib/postgresql`.
pub const BINDIR_ENV: &str = "ROLLCALL_PG_BINDIR";

/// The database superuser of every server started here (trust auth, no
/// password).
pub const SUPERUSER: &str = "postgres";

/// The database that [`TempPostgres::start`] creates and [`TempPostgres::url`]
/// points at.
pub const DEFAULT_DATABASE: &str = "rollcall";

/// The system user that PostgreSQL runs as when the tests run as root.
const SYSTEM_USER: &str = "postgres";

/// Where Debian installs the server binaries, one folder per major version.
const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";

const MISSING_BINARIES: &str = "PostgreSQL server binaries not found \
    (initdb, pg_ctl and postgres were looked for on PATH and under \
    /usr/lib/postgresql/*/bin); install the Debian package postgresql, \
    or set ROLLCALL_PG_BINDIR to the folder that holds them";

/// How many times the server is started on a new port when the chosen port
/// was taken in the meantime by someone else.
const PORT_ATTEMPTS: usize = 5;

/// How long to wait for the server to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs as a detached process beside every server. Its standard input is a
/// pipe whose only writer is the test process, so `cat` returns when the test
/// process is gone, however it ended; then the server is stopped and its
/// folder removed. `$1` is the folder, the rest is the `pg_ctl stop` command.
const WATCHDOG_SCRIPT: &str = r#"trap '' HUP INT TERM
cat >/dev/null 2>&1
dir=$1
shift
"$@" >/dev/null 2>&1 </dev/null
rm -rf "$dir"
"#;

/// A PostgreSQL server of its own in a temporary folder, stopped and removed
/// on drop.
pub struct TempPostgres {
    bins: PgBins,
    run_as: RunAs,
    port: u16,
    data_dir: PathBuf,
    watchdog: Option<Child>,
    /// Dropped last, after the server has stopped.
    dir: TempDir,
}

impl TempPostgres {
    /// Creates a new cluster in a temporary folder, starts it on a free port
    /// of 127.0.0.1, waits until it accepts connections and creates the
    /// database [`DEFAULT_DATABASE`].
    pub fn start() -> Result<TempPostgres> {
        let bins = PgBins::find()?;
        let run_as = RunAs::detect()?;

        let dir = tempfile::Builder::new()
            .prefix("rollcall-pg-")
            .tempdir()
            .context("could not create a temporary folder for PostgreSQL")?;
        run_as.hand_over(dir.path())?;
        let data_dir = dir.path().join("data");

        let mut initdb = run_as.command(&bins.initdb(), &initdb_args(&data_dir));
        initdb.current_dir(dir.path());
        run(&mut initdb).with_context(|| {
            let mut msg = format!("initdb failed in {}", dir.path().display());
            if run_as.is_switching() {
                msg.push_str(
                    " (it runs as the system user postgres, which needs to reach \
                     that folder: point TMPDIR somewhere it can, such as /tmp)",
                );
            }
            msg
        })?;
        write_config(&data_dir, dir.path())?;

        // From here on, dropping `pg` (on success or on error) cleans up.
        let mut pg = TempPostgres {
            bins,
            run_as,
            port: 0,
            data_dir,
            watchdog: None,
            dir,
        };
        pg.watchdog = Some(pg.spawn_watchdog()?);
        pg.start_server()?;
        pg.wait_until_ready()?;
        pg.create_database(DEFAULT_DATABASE)?;
        Ok(pg)
    }

    /// URL of the database [`DEFAULT_DATABASE`], as
    /// `postgres://postgres@127.0.0.1:PORT/rollcall`.
    pub fn url(&self) -> String {
        self.database_url(DEFAULT_DATABASE)
    }

    /// URL of the database `name` on this server (whether it exists or not).
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new, empty database and returns its URL.
    ///
    /// `name` must be 1 to 63 ASCII letters, digits, `_` or `-`, so that it
    /// needs no escaping in a URL. It is an error if the database exists.
    pub fn create_database(&self, name: &str) -> Result<String> {
        check_database_name(name)?;
        let mut client = self.connect("postgres")?;
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .with_context(|| format!("could not create the database {name:?}"))?;
        Ok(self.database_url(name))
    }

    /// TCP port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's data folder (inside the temporary folder).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The temporary folder holding the data folder, the server log
    /// (`postgres.log`) and the Unix socket.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn connect(&self, database: &str) -> Result<postgres::Client> {
        let url = self.database_url(database);
        postgres::Client::connect(&url, postgres::NoTls)
            .with_context(|| format!("could not connect to {url}"))
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    fn pg_ctl(&self, args: &[OsString]) -> Command {
        let mut cmd = self.run_as.command(&self.bins.pg_ctl(), args);
        cmd.current_dir(self.dir.path());
        cmd
    }

    fn stop_args(&self) -> Vec<OsString> {
        vec![
            "stop".into(),
            "-D".into(),
            self.data_dir.clone().into(),
            "-m".into(),
            "immediate".into(),
            "-w".into(),
            "-s".into(),
        ]
    }

    /// Starts `sh` running [`WATCHDOG_SCRIPT`] in its own process group, so
    /// that a Ctrl-C meant for the tests does not reach it.
    fn spawn_watchdog(&self) -> Result<Child> {
        let mut argv = vec![self.dir.path().as_os_str().to_owned()];
        argv.extend(self.run_as.argv(&self.bins.pg_ctl(), &self.stop_args()));
        Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("rollcall-pg-watchdog")
            .args(argv)
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("could not start the PostgreSQL watchdog (sh)")
    }

    /// Starts the server with `pg_ctl start -w`, choosing a new port when the
    /// one picked was taken before the server could bind it.
    fn start_server(&mut self) -> Result<()> {
        let log = self.log_path();
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            self.port = free_port()?;
            let args: Vec<OsString> = vec![
                "start".into(),
                "-D".into(),
                self.data_dir.clone().into(),
                "-l".into(),
                log.clone().into(),
                "-w".into(),
                "-t".into(),
                READY_TIMEOUT.as_secs().to_string().into(),
                "-s".into(),
                "-o".into(),
                format!("-p {}", self.port).into(),
            ];
            match run(&mut self.pg_ctl(&args)) {
                Ok(_) => return Ok(()),
                Err(err) => {
                    let tail = log_tail(&log);
                    let port_taken =
                        tail.contains("could not bind") || tail.contains("Address already in use");
                    let err = err.context(format!(
                        "PostgreSQL did not start on port {}; end of {}:\n{tail}",
                        self.port,
                        log.display()
                    ));
                    if !port_taken {
                        return Err(err);
                    }
                    last_error = Some(err);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow!("PostgreSQL did not start")))
    }

    fn wait_until_ready(&self) -> Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match self.connect("postgres") {
                Ok(_) => return Ok(()),
                Err(err) if Instant::now() >= deadline => {
                    return Err(err.context(format!(
                        "PostgreSQL does not accept connections; end of {}:\n{}",
                        self.log_path().display(),
                        log_tail(&self.log_path())
                    )))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let mut stop = self.pg_ctl(&self.stop_args());
        stop.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = stop.status();
        if let Some(mut watchdog) = self.watchdog.take() {
            // Closing its pipe lets it finish (it finds nothing left to stop).
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
        // `self.dir` removes whatever is left.
    }
}

impl std::fmt::Debug for TempPostgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TempPostgres")
            .field("url", &self.url())
            .field("dir", &self.dir.path())
            .field("bin_dir", &self.bins.dir)
            .finish()
    }
}

/// The server shared by the whole test binary, started on first use.
///
/// It is never dropped: a watchdog process stops it and removes its folder
/// as soon as the test process has exited.
///
/// # Panics
///
/// If the server cannot be started (on this call and on every later one).
pub fn shared() -> &'static TempPostgres {
    static SHARED: OnceLock<Result<TempPostgres, String>> = OnceLock::new();
    match SHARED.get_or_init(|| TempPostgres::start().map_err(|err| format!("{err:#}"))) {
        Ok(pg) => pg,
        Err(err) => panic!("could not start the test PostgreSQL server: {err}"),
    }
}

/// Creates a new, empty database on the [`shared`] server and returns its
/// URL. Each call gets a database of its own, named `test_PID_N`.
///
/// # Panics
///
/// If the server cannot be started or the database cannot be created.
pub fn fresh_database_url() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    shared()
        .create_database(&name)
        .unwrap_or_else(|err| panic!("{err:#}"))
}

/// The folder holding `initdb`, `pg_ctl` and `postgres` of one version.
#[derive(Debug, Clone)]
struct PgBins {
    dir: PathBuf,
}

impl PgBins {
    const NAMES: [&'static str; 3] = ["initdb", "pg_ctl", "postgres"];

    fn find() -> Result<PgBins> {
        if let Some(dir) = std::env::var_os(BINDIR_ENV).filter(|d| !d.is_empty()) {
            let dir = PathBuf::from(dir);
            return PgBins::complete(&dir).ok_or_else(|| {
                anyhow!(
                    "{BINDIR_ENV} is {}, which does not hold initdb, pg_ctl and postgres",
                    dir.display()
                )
            });
        }
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                if is_executable(&dir.join("initdb")) {
                    if let Some(bins) = PgBins::complete(&dir) {
                        return Ok(bins);
                    }
                }
            }
        }
        let mut versions: Vec<(Vec<u32>, PathBuf)> = fs::read_dir(DEBIAN_PG_ROOT)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let version = parse_version(entry.file_name().to_str()?)?;
                Some((version, entry.path().join("bin")))
            })
            .collect();
        versions.sort();
        versions
            .iter()
            .rev()
            .find_map(|(_, dir)| PgBins::complete(dir))
            .ok_or_else(|| anyhow!(MISSING_BINARIES))
    }

    fn complete(dir: &Path) -> Option<PgBins> {
        PgBins::NAMES
            .iter()
            .all(|name| is_executable(&dir.join(name)))
            .then(|| PgBins {
                dir: dir.to_path_buf(),
            })
    }

    fn initdb(&self) -> PathBuf {
        self.dir.join("initdb")
    }

    fn pg_ctl(&self) -> PathBuf {
        self.dir.join("pg_ctl")
    }
}

/// Whom PostgreSQL's commands run as.
#[derive(Debug, Clone)]
enum RunAs {
    /// The current user (not root).
    Current,
    /// The `postgres` system user, switched to with `runuser -u`.
    Runuser(PathBuf),
    /// The `postgres` system user, switched to with `su`.
    Su(PathBuf),
}

impl RunAs {
    fn detect() -> Result<RunAs> {
        if effective_uid()? != 0 {
            return Ok(RunAs::Current);
        }
        let user_exists = Command::new("id")
            .args(["-u", SYSTEM_USER])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !user_exists {
            bail!(
                "the tests run as root, which PostgreSQL refuses, and there is no \
                 system user {SYSTEM_USER:?} to run it as; install the Debian package \
                 postgresql (it creates that user) or run the tests as another user"
            );
        }
        if let Some(runuser) = find_on_path("runuser") {
            Ok(RunAs::Runuser(runuser))
        } else if let Some(su) = find_on_path("su") {
            Ok(RunAs::Su(su))
        } else {
            bail!("the tests run as root, and neither runuser nor su is there to run PostgreSQL as {SYSTEM_USER:?}")
        }
    }

    fn is_switching(&self) -> bool {
        !matches!(self, RunAs::Current)
    }

    /// The command line that runs `program args` as this user.
    fn argv(&self, program: &Path, args: &[OsString]) -> Vec<OsString> {
        match self {
            RunAs::Current => std::iter::once(program.as_os_str().to_owned())
                .chain(args.iter().cloned())
                .collect(),
            RunAs::Runuser(runuser) => {
                let mut argv: Vec<OsString> = vec![
                    runuser.clone().into(),
                    "-u".into(),
                    SYSTEM_USER.into(),
                    "--".into(),
                    program.as_os_str().to_owned(),
                ];
                argv.extend(args.iter().cloned());
                argv
            }
            RunAs::Su(su) => {
                let mut line = shell_quote(program.as_os_str());
                for arg in args {
                    line.push(' ');
                    line.push_str(&shell_quote(arg));
                }
                vec![
                    su.clone().into(),
                    "-s".into(),
                    "/bin/sh".into(),
                    "-c".into(),
                    line.into(),
                    SYSTEM_USER.into(),
                ]
            }
        }
    }

    fn command(&self, program: &Path, args: &[OsString]) -> Command {
        let argv = self.argv(program, args);
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        cmd
    }

    /// Gives the temporary folder to the user PostgreSQL runs as.
    fn hand_over(&self, dir: &Path) -> Result<()> {
        if !self.is_switching() {
            return Ok(());
        }
        let mut chown = Command::new("chown");
        chown.arg("-R").arg(format!("{SYSTEM_USER}:")).arg(dir);
        run(&mut chown).map(drop)
    }
}

fn initdb_args(data_dir: &Path) -> Vec<OsString> {
    vec![
        "-D".into(),
        data_dir.as_os_str().to_owned(),
        "-U".into(),
        SUPERUSER.into(),
        "--auth=trust".into(),
        "--encoding=UTF8".into(),
        "--locale=C".into(),
        "--no-sync".into(),
    ]
}

/// Appends the settings of a fast, private, loopback-only server to the
/// cluster's `postgresql.conf` (the port is given on the command line).
fn write_config(data_dir: &Path, socket_dir: &Path) -> Result<()> {
    let socket_dir = socket_dir
        .to_str()
        .ok_or_else(|| anyhow!("temporary folder {} is not UTF-8", socket_dir.display()))?;
    let mut conf = String::from("\n# Added by rollcall-testkit\n");
    for (key, value) in [
        ("listen_addresses", "'127.0.0.1'".to_owned()),
        (
            "unix_socket_directories",
            format!("'{}'", socket_dir.replace('\'', "''")),
        ),
        ("fsync", "off".to_owned()),
        ("synchronous_commit", "off".to_owned()),
        ("full_page_writes", "off".to_owned()),
        ("max_connections", "200".to_owned()),
    ] {
        let _ = writeln!(conf, "{key} = {value}");
    }
    let path = data_dir.join("postgresql.conf");
    // Appending keeps the file's owner (the postgres user when switching).
    OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(conf.as_bytes()))
        .with_context(|| format!("could not write {}", path.display()))
}

fn check_database_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        bail!("invalid database name {name:?}: use 1 to 63 ASCII letters, digits, '_' or '-'");
    }
    Ok(())
}

/// Runs a command to completion, failing with its output when it fails.
fn run(cmd: &mut Command) -> Result<Output> {
    let shown = format!("{cmd:?}");
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not run {shown}"))?;
    if !output.status.success() {
        bail!(
            "{shown} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(output)
}

fn effective_uid() -> Result<u32> {
    let output = run(Command::new("id").arg("-u")).context("could not tell the user id")?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim()
        .parse()
        .with_context(|| format!("unexpected output of id -u: {text:?}"))
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context("could not find a free TCP port on 127.0.0.1")?;
    Ok(listener.local_addr()?.port())
}

/// The last lines of the server log, for error messages.
fn log_tail(path: &Path) -> String {
    match fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(30)..].join("\n")
        }
        Err(err) => format!("(could not read the log: {err})"),
    }
}

fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn shell_quote(arg: &OsStr) -> String {
    format!("'{}'", arg.to_string_lossy().replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_numerically() {
        let mut versions = [
            parse_version("9.6").unwrap(),
            parse_version("15").unwrap(),
            parse_version("10").unwrap(),
        ];
        versions.sort();
        assert_eq!(versions.last().unwrap(), &vec![15]);
        assert_eq!(parse_version("15-beta"), None);
    }

    #[test]
    fn database_names_are_checked() {
        assert!(check_database_name("test_1_2").is_ok());
        assert!(check_database_name("a-b").is_ok());
        assert!(check_database_name("").is_err());
        assert!(check_database_name("x\"; DROP").is_err());
        assert!(check_database_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn su_command_line_is_quoted() {
        let argv = RunAs::Su("/bin/su".into()).argv(
            Path::new("/usr/bin/pg_ctl"),
            &["-D".into(), "/tmp/it's here".into()],
        );
        assert_eq!(
            argv[4],
            OsString::from(r"'/usr/bin/pg_ctl' '-D' '/tmp/it'\''s here'")
        );
        assert_eq!(argv[5], OsString::from("postgres"));
    }
}
