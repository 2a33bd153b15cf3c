//! Browser tests: runs a scenario of `web-tests/` in a real browser against a
//! server that the test started.
//!
//! A scenario is a file `web-tests/scenarios/<name>.mjs` that drives Debian's
//! Chromium through `playwright-core` (see `web-tests/run.mjs` and
//! `web-tests/lib/browser.mjs`). [`run_scenario`] runs it with Node.js:
//!
//! ```no_run
//! let base_url = "http://127.0.0.1:8080"; // the server under test
//! rollcall_testkit::browser::run_scenario(
//!     "smoke",
//!     base_url,
//!     &serde_json::json!({}),
//! )
//! .unwrap();
//! ```
//!
//! `scripts/setup` installs what this needs: the Debian packages `chromium`
//! and `nodejs`, and `playwright-core` into `web-tests/node_modules`.
//! Screenshots go to [`screenshots_dir`].

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Environment variable with the scenario runner's time limit in
/// milliseconds (default [`DEFAULT_TIMEOUT`]); `run.mjs` reads it too.
pub const TIMEOUT_ENV: &str = "ROLLCALL_BROWSER_TIMEOUT_MS";

/// Environment variable telling `run.mjs` where to write screenshots; set to
/// [`screenshots_dir`] for every scenario run here.
pub const SCREENSHOTS_ENV: &str = "ROLLCALL_SCREENSHOTS";

/// Environment variable naming the Node.js binary (default `node` on `PATH`).
pub const NODE_ENV: &str = "ROLLCALL_NODE";

/// The scenario runner's time limit when [`TIMEOUT_ENV`] is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How much longer than the runner's own time limit a run may take before it
/// is stopped from here (the runner should fail on its own first).
const EXTRA_TIME: Duration = Duration::from_secs(30);

/// How long the runner may take to close its browsers after a SIGTERM
/// before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(15);

const WEB_TESTS: &str = "web-tests";

/// Runs `web-tests/scenarios/<scenario>.mjs` against `base_url` with `data`
/// as the scenario's `ctx.data`, as
/// `node web-tests/run.mjs web-tests/scenarios/<scenario>.mjs --base-url
/// <base_url> --data <json>` from the repository root.
///
/// Fails, with the runner's stdout and stderr, when the scenario fails, when
/// the runner does not report `ok <scenario>`, or when it runs longer than
/// its time limit ([`TIMEOUT_ENV`]) plus half a minute, in which case it is
/// stopped (SIGTERM, then SIGKILL). On success the runner's output is
/// printed, which the test harness shows with `--nocapture`.
pub fn run_scenario(scenario: &str, base_url: &str, data: &serde_json::Value) -> Result<()> {
    if scenario.is_empty() || scenario.contains(['/', '\\']) || scenario.starts_with('.') {
        bail!("bad scenario name {scenario:?}: give the file name under web-tests/scenarios without .mjs");
    }
    let root = find_root()?;
    let script = format!("{WEB_TESTS}/scenarios/{scenario}.mjs");
    if !root.join(&script).is_file() {
        bail!("no browser scenario {}", root.join(&script).display());
    }
    if !root
        .join(WEB_TESTS)
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        bail!(
            "{WEB_TESTS}/node_modules/playwright-core is missing: run scripts/setup \
             (it runs `npm ci --prefix web-tests`)"
        );
    }
    let screenshots = screenshots_dir_in(&root)?;
    let limit = runner_timeout()?;
    let node = std::env::var_os(NODE_ENV).unwrap_or_else(|| "node".into());
    let data = serde_json::to_string(data).context("could not encode the scenario data")?;

    let mut command = Command::new(&node);
    command
        .arg(format!("{WEB_TESTS}/run.mjs"))
        .arg(&script)
        .arg("--base-url")
        .arg(base_url)
        .arg("--data")
        .arg(&data)
        .current_dir(&root)
        .env(SCREENSHOTS_ENV, &screenshots)
        .env(TIMEOUT_ENV, limit.as_millis().to_string())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so that a timeout here can signal the runner
    // without touching the test binary.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let shown =
        format!("{node:?} {WEB_TESTS}/run.mjs {script} --base-url {base_url} --data {data}");

    let mut child = command.spawn().with_context(|| {
        format!("could not start {shown} (is Node.js installed? see scripts/setup)")
    })?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let outcome = wait_with_deadline(&mut child, limit + EXTRA_TIME);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let report = |what: String| {
        format!(
            "browser scenario {scenario} {what}\ncommand: {shown}\n\
             --- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        )
    };

    match outcome? {
        Waited::Exited(status) if status.success() => {
            if !stdout
                .lines()
                .any(|line| line.trim() == format!("ok {scenario}"))
            {
                bail!(report(format!(
                    "exited 0 but did not report `ok {scenario}`"
                )));
            }
            print!("{stdout}");
            eprint!("{stderr}");
            Ok(())
        }
        Waited::Exited(status) => bail!(report(format!("failed ({status})"))),
        Waited::TimedOut(after) => bail!(report(format!(
            "was stopped after {after:?} ({TIMEOUT_ENV} is {} ms)",
            limit.as_millis()
        ))),
    }
}

/// `<repository root>/target/screenshots`, created if missing; scenarios run
/// by [`run_scenario`] write their screenshots there.
///
/// # Panics
///
/// When the repository root cannot be found or the folder cannot be created.
pub fn screenshots_dir() -> PathBuf {
    find_root()
        .and_then(|root| screenshots_dir_in(&root))
        .unwrap_or_else(|err| panic!("{err:#}"))
}

/// The repository root: the nearest folder above this crate that holds
/// `web-tests/`.
///
/// # Panics
///
/// When there is no such folder.
pub fn repo_root() -> PathBuf {
    find_root().unwrap_or_else(|err| panic!("{err:#}"))
}

fn find_root() -> Result<PathBuf> {
    let start = Path::new(env!("CARGO_MANIFEST_DIR"));
    start
        .ancestors()
        .find(|dir| dir.join(WEB_TESTS).is_dir())
        .map(Path::to_path_buf)
        .with_context(|| format!("no folder above {} holds {WEB_TESTS}/", start.display()))
}

fn screenshots_dir_in(root: &Path) -> Result<PathBuf> {
    let dir = root.join("target").join("screenshots");
    fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    Ok(dir)
}

/// The runner's time limit: [`TIMEOUT_ENV`] if set, else [`DEFAULT_TIMEOUT`].
fn runner_timeout() -> Result<Duration> {
    match std::env::var(TIMEOUT_ENV) {
        Ok(text) if !text.trim().is_empty() => {
            let ms: u64 = text
                .trim()
                .parse()
                .ok()
                .filter(|&ms| ms > 0)
                .with_context(|| {
                    format!("{TIMEOUT_ENV} must be a positive number of milliseconds, not {text:?}")
                })?;
            Ok(Duration::from_millis(ms))
        }
        _ => Ok(DEFAULT_TIMEOUT),
    }
}

/// Reads a pipe to its end in a thread, so that a chatty child cannot block.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

enum Waited {
    Exited(ExitStatus),
    TimedOut(Duration),
}

/// Waits for the child until `limit`; past it, sends SIGTERM to its process
/// group (the runner then closes its browsers), and SIGKILL after
/// [`STOP_GRACE`].
fn wait_with_deadline(child: &mut Child, limit: Duration) -> Result<Waited> {
    let started = Instant::now();
    if let Some(status) = wait_until(child, started + limit)? {
        return Ok(Waited::Exited(status));
    }
    let _ = Command::new("kill")
        .args(["-s", "TERM", "--", &format!("-{}", child.id())])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if wait_until(child, Instant::now() + STOP_GRACE)?.is_none() {
        let _ = child.kill();
    }
    let _ = child.wait();
    Ok(Waited::TimedOut(started.elapsed()))
}

fn wait_until(child: &mut Child, deadline: Instant) -> Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child
            .try_wait()
            .context("could not wait for the browser runner")?
        {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_holds_web_tests() {
        let root = repo_root();
        assert!(root.join("web-tests/run.mjs").is_file());
        assert!(root.join("Cargo.toml").is_file());
    }

    #[test]
    fn scenario_names_are_checked() {
        for name in ["", "../x", "a/b", ".hidden"] {
            let err = run_scenario(name, "http://127.0.0.1:1", &serde_json::Value::Null)
                .unwrap_err()
                .to_string();
            assert!(err.contains("bad scenario name"), "{err}");
        }
    }
}
