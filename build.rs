//! Names the commit the crate is built from (`AESTUDIO_BUILD_COMMIT`, `+dirty` when the code
//! differs from it), so that a result record says which code measured it, not which commit
//! happened to be checked out when the run ended.
use std::process::Command;

fn main() {
    // The code, and what moves when a commit is made or checked out.
    for path in ["src", "Cargo.toml", "Cargo.lock", ".git/HEAD", ".git/refs"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let git = |args: &[&str]| {
        let out = Command::new("git").args(args).output().ok().filter(|out| out.status.success())?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = match git(&["rev-parse", "--short=7", "HEAD"]) {
        Some(hash) => {
            let changes = git(&["status", "--porcelain", "--untracked-files=no", "--", "src", "Cargo.toml", "Cargo.lock"]);
            if changes.is_some_and(|changes| !changes.is_empty()) { format!("{hash}+dirty") } else { hash }
        }
        None => "unknown".into(),
    };
    println!("cargo:rustc-env=AESTUDIO_BUILD_COMMIT={commit}");
}
