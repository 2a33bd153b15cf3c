//! The shape of the workspace: which crate may depend on which, and the one Rust version every
//! crate declares. Read from `cargo metadata`, so a new edge in any Cargo.toml is checked here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Each workspace crate and the workspace crates it may depend on (as a dependency or a build
/// dependency; dev-dependencies are free). Layers, lowest first:
/// `rollcall-core` ← `rollcall-rules` ← `rollcall-app` ← `rollcall-web` ← `rollcall`, and
/// `rollcall-core` ← `rollcall-store` ← its backends ← `rollcall-app`. `rollcall-demo` is a leaf,
/// and so are `rollcall-notify` (the outbound e-mail and SMS adapter) and `rollcall-pdf` (printed
/// documents).
/// A crate named here that does not exist (yet) is skipped.
const ALLOWED: &[(&str, &[&str])] = &[
    ("rollcall-core", &[]),
    ("rollcall-rules", &["rollcall-core"]),
    ("rollcall-store", &["rollcall-core"]),
    (
        "rollcall-store-sqlite",
        &["rollcall-core", "rollcall-store"],
    ),
    (
        "rollcall-store-postgres",
        &["rollcall-core", "rollcall-store"],
    ),
    ("rollcall-demo", &[]),
    // Sending to parents knows nothing of the register: the caller turns its records into
    // messages.
    ("rollcall-notify", &[]),
    // Printed documents know nothing of the register either: the caller turns its records into
    // letters, certificates and reports.
    ("rollcall-pdf", &[]),
    (
        "rollcall-app",
        &[
            "rollcall-core",
            "rollcall-rules",
            "rollcall-store",
            "rollcall-store-sqlite",
            "rollcall-store-postgres",
            "rollcall-demo",
            // Messages to parents go out through the notify crate.
            "rollcall-notify",
            // Letters, certificates and register extracts are typeset by the pdf crate.
            "rollcall-pdf",
        ],
    ),
    (
        "rollcall-web",
        &[
            "rollcall-core",
            "rollcall-rules",
            // The web reaches the store only through rollcall-app.
            "rollcall-app",
        ],
    ),
    (
        // The binary puts everything together.
        "rollcall",
        &[
            "rollcall-core",
            "rollcall-rules",
            "rollcall-store",
            "rollcall-demo",
            "rollcall-app",
            "rollcall-web",
        ],
    ),
    // Test support: only ever a dev-dependency of the crates above.
    ("rollcall-testkit", &[]),
];

/// What a `*-conformance` crate (a test suite other crates run as a dev-dependency) may use.
const CONFORMANCE_MAY_USE: &[&str] = &[
    "rollcall-core",
    "rollcall-rules",
    "rollcall-store",
    "rollcall-demo",
    "rollcall-testkit",
];

/// Crates for tests only, which no crate may have as a normal dependency.
fn test_only(krate: &str) -> bool {
    krate == "rollcall-testkit" || krate.ends_with("-conformance")
}

fn allowed(krate: &str) -> Option<&'static [&'static str]> {
    if krate.ends_with("-conformance") {
        return Some(CONFORMANCE_MAY_USE);
    }
    ALLOWED
        .iter()
        .find(|(name, _)| *name == krate)
        .map(|(_, deps)| *deps)
}

fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.lines().any(|line| line.trim() == "[workspace]"))
        })
        .expect("the workspace's Cargo.toml above this crate")
        .to_path_buf()
}

/// `cargo metadata` for the workspace's own crates.
fn metadata(root: &Path) -> Value {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(root.join("Cargo.toml"))
        .current_dir(root)
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata's JSON")
}

fn packages(metadata: &Value) -> &[Value] {
    metadata["packages"]
        .as_array()
        .expect("cargo metadata lists packages")
}

fn name(package: &Value) -> &str {
    package["name"].as_str().expect("a package's name")
}

/// Where a package's manifest is, relative to the workspace root, for messages.
fn manifest(package: &Value, root: &Path) -> String {
    let path = Path::new(package["manifest_path"].as_str().unwrap_or_default());
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The `rust-version` of the root Cargo.toml's `[workspace.package]`.
fn workspace_rust_version(root: &Path) -> Option<String> {
    let toml = std::fs::read_to_string(root.join("Cargo.toml")).expect("the root Cargo.toml");
    let mut section = "";
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if section == "[workspace.package]" {
            if let Some((key, value)) = line.split_once('=') {
                if key.trim() == "rust-version" {
                    return Some(value.trim().trim_matches('"').to_owned());
                }
            }
        }
    }
    None
}

#[test]
fn dependencies_point_down_the_layers() {
    let root = workspace_root();
    let metadata = metadata(&root);
    let members: BTreeSet<&str> = packages(&metadata).iter().map(name).collect();
    let mut wrong = Vec::new();
    for package in packages(&metadata) {
        let krate = name(package);
        let Some(may_use) = allowed(krate) else {
            wrong.push(format!(
                "{krate} ({}) is not in the table of tests/architecture.rs: add it, with the workspace crates it may depend on",
                manifest(package, &root)
            ));
            continue;
        };
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            // Dev-dependencies (tests, benches' helpers) may use any crate.
            if !members.contains(dep_name) || dep["kind"].as_str() == Some("dev") {
                continue;
            }
            if may_use.contains(&dep_name) {
                continue;
            }
            let why = if test_only(dep_name) {
                format!("{dep_name} is for tests only: make it a [dev-dependencies] entry")
            } else if may_use.is_empty() {
                format!("{krate} may not depend on any workspace crate")
            } else {
                format!("{krate} may depend only on {}", may_use.join(", "))
            };
            wrong.push(format!(
                "{krate} -> {dep_name} (in {}): {why}",
                manifest(package, &root)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "dependencies against the direction of the layers:\n  {}\n",
        wrong.join("\n  ")
    );
}

#[test]
fn every_crate_inherits_the_workspace_rust_version() {
    let root = workspace_root();
    let wanted = workspace_rust_version(&root)
        .expect("a rust-version in the [workspace.package] of the root Cargo.toml");
    let metadata = metadata(&root);
    let wrong: Vec<String> = packages(&metadata)
        .iter()
        .filter(|package| package["rust_version"].as_str() != Some(wanted.as_str()))
        .map(|package| {
            format!(
                "{} ({}) declares rust-version {}, not the workspace's {wanted}: its [package] needs `rust-version.workspace = true`",
                name(package),
                manifest(package, &root),
                package["rust_version"].as_str().unwrap_or("(none)")
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "crates not on the workspace's rust-version:\n  {}\n",
        wrong.join("\n  ")
    );
}
