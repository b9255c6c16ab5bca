//! Result records: every figure a command reports, kept with how, when and where it was
//! measured, so that the docs' tables are rendered from runs and never typed (`aestudio report`).
//!
//! A record is one JSON line of a file under `docs/records/`:
//! `{"command": "aestudio train --model vae", "commit": "fe24c5d", "date": "2026-12-07",
//! "machine": "AMD EPYC, 2 cores", "result": {...}}`, where `result` is what the command
//! printed after `result `. A record copied from an older document rather than from a run's own
//! line says so in `transcribed`, and the rendered tables say it too.

pub mod render;
pub mod template;

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::AeError;

/// One measurement with its provenance.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// The command line that printed it, with the program named `aestudio`.
    pub command: String,
    /// The commit its binary was built from (short hash), `+dirty` when the code differed from it.
    pub commit: String,
    /// The day it ran (UTC, `YYYY-MM-DD`).
    pub date: String,
    /// The processor and its core count (and the browser, for a page's figure).
    pub machine: String,
    /// Where a record was copied from when its run's own `result` line was not kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcribed: Option<String>,
    /// The figures, exactly as the command printed them.
    pub result: serde_json::Value,
}

impl Record {
    /// A record of `result`, printed now by this process, built from `commit` (the binary's
    /// `AESTUDIO_BUILD_COMMIT`, which `build.rs` sets).
    pub fn now(result: serde_json::Value, commit: &str) -> Record {
        let mut args = std::env::args();
        let program = args.next().map(|_| "aestudio".to_string()).unwrap_or_default();
        let command = std::iter::once(program).chain(without_record_flag(args).map(|arg| shell_word(&arg))).collect::<Vec<_>>().join(" ");
        Record { command, commit: commit.to_string(), date: today(), machine: machine(), transcribed: None, result }
    }

    /// Appends this record as one line to `path` (created with its folder when missing).
    pub fn append_to(&self, path: &Path) -> Result<(), AeError> {
        let failed = |err: std::io::Error| AeError::Data(format!("{}: cannot append the record: {err}", path.display()));
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        let line = serde_json::to_string(self).map_err(|err| AeError::Data(err.to_string()))?;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(failed)?;
        writeln!(file, "{line}").map_err(failed)
    }
}

/// Reads every record of a JSON-lines file; blank lines are skipped, a malformed one is an error
/// naming its line.
pub fn read_records(path: &Path) -> Result<Vec<serde_json::Value>, AeError> {
    let text = std::fs::read_to_string(path).map_err(|err| AeError::Data(format!("{}: {err}", path.display())))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|err| AeError::Data(format!("{}, line {}: not a record: {err}", path.display(), index + 1)))
        })
        .collect()
}

/// The arguments less `--record FILE`: where a figure is kept is not how it was measured.
fn without_record_flag(args: impl Iterator<Item = String>) -> impl Iterator<Item = String> {
    let mut skip_next = false;
    args.filter(move |arg| {
        let skip = skip_next || arg.starts_with("--record=");
        skip_next = arg == "--record";
        !skip && !skip_next
    })
}

/// Quotes an argument that a shell would split or expand, so the command can be pasted back.
fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c));
    if plain { arg.to_string() } else { format!("'{}'", arg.replace('\'', r"'\''")) }
}

/// The processor's model name and the cores this process may use.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| info.lines().find(|line| line.starts_with("model name")).and_then(|line| line.split(':').nth(1)).map(|name| name.trim().to_string()))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{cpu}, {cores} cores")
}

/// Today's date in UTC, `YYYY-MM-DD`.
fn today() -> String {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}
