//! `--since GIT_REF`: which files changed since a git revision, plus untracked files. Uses the
//! git command line, which every CI runner and developer machine has; a libgit2 binding would
//! add a C build for three read-only commands.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::UsageError;

/// Absolute paths of files changed between `since` and the working tree (committed, staged or
/// not), and of untracked files that are not ignored. Renamed files count under their new name.
pub fn changed_files(since: &str) -> Result<BTreeSet<PathBuf>, UsageError> {
    let top = git(&["rev-parse", "--show-toplevel"])
        .map_err(|error| UsageError::new(format!("--since needs a git repository: {error}")))?;
    let top = PathBuf::from(top.trim());
    let revision = format!("{since}^{{commit}}");
    git(&["rev-parse", "--verify", "--quiet", &revision])
        .map_err(|_| UsageError::new(format!("--since: unknown git revision `{since}`")))?;
    let mut files = BTreeSet::new();
    let diff = git(&["diff", "--name-only", "-z", "--find-renames", since, "--"])?;
    let untracked = git(&[
        "ls-files",
        "--others",
        "--exclude-standard",
        "-z",
        "--full-name",
        &top.to_string_lossy(),
    ])?;
    for name in diff
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|name| !name.is_empty())
    {
        files.insert(normalize(&top.join(name)));
    }
    Ok(files)
}

/// An absolute, symlink-free path when the file exists (so it compares with linted paths).
pub fn normalize(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|dir| dir.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    absolute.canonicalize().unwrap_or(absolute)
}

fn git(args: &[&str]) -> Result<String, UsageError> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|error| UsageError::new(format!("cannot run git: {error}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr
            .lines()
            .next()
            .unwrap_or("git failed")
            .trim_start_matches("fatal: ")
            .to_owned();
        return Err(UsageError::new(reason));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
