//! `result` lines and their records, and `report`, which renders the docs' tables from records.

use std::path::PathBuf;
use std::sync::OnceLock;

use clap::Args;

use aestudio::AeError;
use aestudio::record::{Record, render};

/// The records file given with `--record`, if any; set once at start-up.
static RECORD_FILE: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Remembers where this run's `result` lines are kept (`--record FILE`).
pub(crate) fn keep_records_in(file: Option<PathBuf>) {
    let _ = RECORD_FILE.set(file);
}

/// The `result {json}` line of `value`, appended to the records file when one was given.
pub(crate) fn result_line(value: serde_json::Value) -> String {
    let line = format!("result {value}");
    if let Some(Some(file)) = RECORD_FILE.get()
        && let Err(err) = Record::now(value, env!("AESTUDIO_BUILD_COMMIT")).append_to(file)
    {
        // The figures are still printed: a record that cannot be written must not lose the run.
        eprintln!("warning: {err}");
    }
    line
}

/// Prints `value` as a `result` line (and keeps its record when asked).
pub(crate) fn result(value: serde_json::Value) {
    println!("{}", result_line(value));
}

/// Renders every table of README.md and docs/ from the records in docs/records/ (the tables
/// between `<!-- table NAME -->` and `<!-- end table -->`, defined in docs/records/tables.toml).
#[derive(Args)]
pub struct Report {
    /// Only compare: list the tables whose committed text differs from what the records render,
    /// and fail if there are any.
    #[arg(long)]
    check: bool,
    /// The repository's root.
    #[arg(long, default_value = ".")]
    root: PathBuf,
}

impl Report {
    pub async fn run(self) -> Result<(), AeError> {
        let stale = if self.check { render::stale_documents(&self.root)? } else { render::write_documents(&self.root)? };
        for document in &stale {
            println!("{}: {}", document.path.display(), document.tables.join(", "));
        }
        match (self.check, stale.is_empty()) {
            (_, true) => println!("every table matches its records"),
            (false, false) => println!("rendered {} document(s) from the records", stale.len()),
            (true, false) => return Err(AeError::Data("these tables differ from what their records render; run `./build.sh report`".into())),
        }
        Ok(())
    }
}
