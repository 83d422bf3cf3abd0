//! Runs an independent oracle written in Python (PyPI `holidays`, `icalendar`).
//!
//! When the module is missing the test fails under CI (env `CI` set: `.ci/run` installs it)
//! and is skipped with a message otherwise, so a developer without Python packages can still
//! run the suite.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `script` with `python3`, feeding `stdin`; `None` (skip) when `module` is not installed
/// outside CI.
pub fn run_python(module: &str, script: &str, stdin: &str) -> Option<String> {
    let available = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !available {
        let why = format!(
            "the Python module `{module}` is not installed (python3 -m pip install --quiet --root-user-action=ignore {module})"
        );
        if std::env::var_os("CI").is_some() {
            panic!("{why}: CI must install it");
        }
        eprintln!("skipped: {why}");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin is written");
    let out = child.wait_with_output().expect("python3 runs");
    assert!(
        out.status.success(),
        "python oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("utf-8 output"))
}
