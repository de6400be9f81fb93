//! `--version` with the commit when built from a git checkout:
//! `0.1.0 (commit 1a2b3c4d5e6f)`. Without git or without `.git` (a
//! crates.io download, a source tarball) the version is the crate's alone;
//! nothing here can fail the build.

use std::process::Command;

/// `git ARGS` in the crate's folder, its trimmed stdout when it succeeded.
fn git(args: &[&str]) -> Option<String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = git(&["rev-parse", "--short=12", "HEAD"])
        .filter(|s| s.chars().all(|c| c.is_ascii_hexdigit()));
    match &commit {
        Some(c) => println!("cargo:rustc-env=BLASTRADIUS_VERSION_LONG={version} (commit {c})"),
        None => println!("cargo:rustc-env=BLASTRADIUS_VERSION_LONG={version}"),
    }
    // Rebuild when HEAD or the branch it names moves; harmless when absent.
    if commit.is_some() {
        if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
            println!("cargo:rerun-if-changed={dir}/HEAD");
        }
        if let (Some(common), Some(branch)) = (
            git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]),
            git(&["symbolic-ref", "-q", "HEAD"]),
        ) {
            println!("cargo:rerun-if-changed={common}/{branch}");
            println!("cargo:rerun-if-changed={common}/packed-refs");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
