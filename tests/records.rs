//! Result records and the tables rendered from them: the cell templates against hand-written
//! values, the renderer's choice of records, and the committed docs against their records.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use std::path::{Path, PathBuf};

use aestudio::record::render::{Renderer, stale_documents};
use aestudio::record::template::{fill, fill_from, format_number};
use aestudio::record::{Record, civil_from_days, read_records};
use serde_json::json;

#[test]
fn templates_fill_figures_from_a_record() {
    let record = json!({ "command": "aestudio train --model vae", "result": { "loss": 105.654, "unit": "sample", "mse": 0.013_514, "rates": [0.1, 0.25], "missing": null, "burn": 12_771.0, "tfjs": 1_065.0 } });
    assert_eq!(fill("**{/result/loss|.2}** per {/result/unit}", &record).unwrap(), "**105.65** per sample");
    assert_eq!(fill("`{/command}`", &record).unwrap(), "`aestudio train --model vae`");
    // A ratio is taken inside the record: 12,771 / 1,065 = 11.99.
    assert_eq!(fill("{/result/burn / /result/tfjs|x.2}", &record).unwrap(), "11.99x");
    assert_eq!(fill("{/result/burn|,.0} samples/s", &record).unwrap(), "12,771 samples/s");
    assert_eq!(fill("{/result/rates|%.1}", &record).unwrap(), "10.0% / 25.0%");
    assert_eq!(fill("{/result/missing|,.0| s} and {/result/burn|,.0| s}", &record).unwrap(), "- and 12,771 s");
    assert_eq!(fill("{{literal}}", &record).unwrap(), "{literal}");
    assert!(fill("{/result/nothing}", &record).unwrap_err().contains("/result/nothing"));
    assert!(fill("{/result/unit|.2}", &record).is_err(), "a word takes no number format");
    assert!(fill("{/result/loss", &record).is_err());
}

#[test]
fn formats_round_and_group_as_written() {
    assert_eq!(format_number(0.97368, ".3").unwrap(), "0.974");
    assert_eq!(format_number(-1234567.891, ",.1").unwrap(), "-1,234,567.9");
    assert_eq!(format_number(999.0, ",.0").unwrap(), "999");
    assert_eq!(format_number(0.305, "%.1").unwrap(), "30.5%");
    assert!(format_number(1.0, "e3").is_err());
}

#[test]
fn a_row_across_seeds_reduces_each_field() {
    let seeds: Vec<_> = [0.9737, 0.8674, 0.9199, 0.8856, 0.8657].iter().map(|a| json!({ "result": { "accuracy": a } })).collect();
    // Sorted: 0.8657 0.8674 0.8856 0.9199 0.9737.
    assert_eq!(fill_from("{median /result/accuracy|.4}", &seeds).unwrap(), "0.8856");
    assert_eq!(fill_from("{min /result/accuracy|.4}-{max /result/accuracy|.4}", &seeds).unwrap(), "0.8657-0.9737");
    assert_eq!(fill_from("{mean /result/accuracy|.4}", &seeds).unwrap(), "0.9025");
    assert_eq!(fill_from("{count} seeds", &seeds).unwrap(), "5 seeds");
    assert_eq!(fill_from("{median /result/accuracy|.4}", &seeds[..4]).unwrap(), "0.9028", "an even count takes the middle pair's mean");
    // Within one record, a list (a figure per split) is reduced as well.
    let splits = [json!({ "rmse": [0.8273, 0.8250, 0.8292] })];
    assert_eq!(fill_from("{min /rmse|.4}-{max /rmse|.4}", &splits).unwrap(), "0.8250-0.8292");
}

#[test]
fn dates_are_the_calendar_days() {
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    assert_eq!(civil_from_days(20_794), (2026, 12, 7));
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
}

/// A throwaway repository root with `docs/records/` holding `tables` and `records`.
fn scratch_root(name: &str, tables: &str, records: &[&str]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("aestudio-records-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("docs/records")).unwrap();
    std::fs::write(root.join("docs/records/tables.toml"), tables).unwrap();
    std::fs::write(root.join("docs/records/runs.jsonl"), records.join("\n") + "\n").unwrap();
    root
}

const SEEDS_TABLE: &str = r#"
[seeds]
columns = ["seed", "accuracy"]
records = "runs.jsonl"
where = { "/result/command" = "cluster" }

[[seeds.rows]]
each = "/result/seed"
cells = ["{/result/seed}", "{/result/accuracy|.2}"]

[[seeds.rows]]
across = "/result/seed"
cells = ["median", "{median /result/accuracy|.2}"]
"#;

#[test]
fn each_value_gets_one_row_and_a_later_run_replaces_an_earlier_one() {
    let records = [
        r#"{"command": "a", "commit": "1111111", "date": "2026-12-01", "machine": "m, 2 cores", "result": {"command": "cluster", "seed": 1, "accuracy": 0.5}}"#,
        r#"{"command": "a", "commit": "1111111", "date": "2026-12-01", "machine": "m, 2 cores", "result": {"command": "train", "seed": 9, "accuracy": 0.0}}"#,
        r#"{"command": "a", "commit": "1111111", "date": "2026-12-01", "machine": "m, 2 cores", "result": {"command": "cluster", "seed": 2, "accuracy": 0.7}}"#,
        r#"{"command": "a", "commit": "2222222", "date": "2026-12-02", "machine": "m, 2 cores", "result": {"command": "cluster", "seed": 1, "accuracy": 0.9}}"#,
    ];
    let root = scratch_root("each", SEEDS_TABLE, &records);
    let mut renderer = Renderer::open(&root).unwrap();
    let table = renderer.render_table("seeds").unwrap();
    let lines: Vec<&str> = table.lines().collect();
    // Seed 1's later run (0.9) replaces its first; the order is the seeds' first appearance; the
    // median of 0.9 and 0.7 is 0.8; the train record is not a cluster record.
    assert_eq!(&lines[..5], ["| seed | accuracy |", "|---|---|", "| 1 | 0.90 |", "| 2 | 0.70 |", "| median | 0.80 |"]);
    assert!(lines[6].contains("`runs.jsonl` (run on 2026-12-01 at 1111111 (m, 2 cores); run on 2026-12-02 at 2222222 (m, 2 cores))"), "{}", lines[6]);
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_row_can_require_a_field_to_be_absent_or_null() {
    // A field added to a command's line later (`code_size`) is absent from the older records:
    // `absent` keeps the runs without it, where TOML cannot say null.
    let table = r#"
[plain]
columns = ["seed", "accuracy"]
records = "runs.jsonl"
where = { "/result/command" = "quality" }
absent = ["/result/code_size"]

[[plain.rows]]
each = "/result/seed"
cells = ["{/result/seed}", "{/result/accuracy|.2}"]
"#;
    let records = [
        r#"{"command": "a", "commit": "1", "date": "2026-12-01", "machine": "m", "result": {"command": "quality", "seed": 1, "accuracy": 0.5}}"#,
        r#"{"command": "a", "commit": "1", "date": "2026-12-01", "machine": "m", "result": {"command": "quality", "seed": 2, "code_size": null, "accuracy": 0.6}}"#,
        r#"{"command": "a", "commit": "1", "date": "2026-12-01", "machine": "m", "result": {"command": "quality", "seed": 1, "code_size": 8, "accuracy": 0.9}}"#,
    ];
    let root = scratch_root("absent", table, &records);
    let rendered = Renderer::open(&root).unwrap().render_table("plain").unwrap();
    let lines: Vec<&str> = rendered.lines().collect();
    assert_eq!(&lines[2..4], ["| 1 | 0.50 |", "| 2 | 0.60 |"], "the code-size run (0.90) is left out");
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_document_edited_by_hand_is_found_and_rendered_back() {
    let records = [r#"{"command": "a", "commit": "1111111", "date": "2026-12-01", "machine": "m", "result": {"command": "cluster", "seed": 1, "accuracy": 0.5}}"#];
    let root = scratch_root("edited", SEEDS_TABLE, &records);
    let example = "```\n<!-- table seeds -->\n<!-- end table -->\n```\n";
    let document = format!("# Doc\n\n{example}\n<!-- table seeds -->\n<!-- end table -->\n\nText after.\n");
    std::fs::write(root.join("README.md"), &document).unwrap();
    let stale = stale_documents(&root).unwrap();
    assert_eq!(stale.len(), 1, "an empty table block differs from its render");
    std::fs::write(root.join("README.md"), &stale[0].rendered).unwrap();
    assert!(stale_documents(&root).unwrap().is_empty(), "the rendered document matches its records");
    let rendered = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(rendered.starts_with(&format!("# Doc\n\n{example}\n<!-- table seeds -->\n| seed | accuracy |\n")), "a marker in a code block is an example: {rendered}");
    assert!(rendered.ends_with("<!-- end table -->\n\nText after.\n"), "{rendered}");
    std::fs::write(root.join("README.md"), rendered.replace("| 1 | 0.50 |", "| 1 | 0.51 |")).unwrap();
    let stale = stale_documents(&root).unwrap();
    assert_eq!(stale.iter().map(|s| s.tables.clone()).collect::<Vec<_>>(), [vec!["seeds".to_string()]], "a figure typed over is caught");
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn mistakes_in_tables_and_records_are_named() {
    let root = scratch_root("mistakes", SEEDS_TABLE, &[r#"{"command": "a", "result": {"command": "train"}}"#, "not json"]);
    std::fs::write(root.join("README.md"), "<!-- table seeds -->\n<!-- end table -->\n").unwrap();
    let err = stale_documents(&root).unwrap_err().to_string();
    assert!(err.contains("runs.jsonl, line 2"), "{err}");
    std::fs::write(root.join("docs/records/runs.jsonl"), r#"{"command": "a", "result": {"command": "train"}}"#).unwrap();
    let err = stale_documents(&root).unwrap_err().to_string();
    assert!(err.contains("no record in runs.jsonl has /result/command = \"cluster\""), "{err}");
    std::fs::write(root.join("README.md"), "<!-- table unknown -->\n<!-- end table -->\n").unwrap();
    assert!(stale_documents(&root).unwrap_err().to_string().contains("table unknown: not defined"));
    std::fs::write(root.join("README.md"), "no tables\n").unwrap();
    assert!(stale_documents(&root).unwrap_err().to_string().contains("no document shows the table(s) seeds"));
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_record_is_appended_as_one_line_with_its_provenance() {
    let root = std::env::temp_dir().join(format!("aestudio-append-{}", std::process::id()));
    let file = root.join("nested/runs.jsonl");
    Record::now(json!({ "command": "train", "loss": 1.5 }), "abc1234").append_to(&file).unwrap();
    Record::now(json!({ "command": "train", "loss": 0.5 }), "abc1234").append_to(&file).unwrap();
    let records = read_records(&file).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["result"]["loss"], 0.5);
    let date = records[0]["date"].as_str().unwrap();
    assert!(date.len() == 10 && date.starts_with("20"), "{date}");
    assert!(records[0]["command"].as_str().unwrap().starts_with("aestudio"));
    assert!(records[0]["machine"].as_str().unwrap().contains("cores"));
    assert_eq!(records[0]["commit"], "abc1234");
    std::fs::remove_dir_all(root).unwrap();
}

/// The committed README.md and docs/ are exactly what their records render: no figure in a
/// rendered table was typed (`./build.sh report` rewrites them after new records).
#[test]
fn the_committed_docs_match_their_records() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let stale = stale_documents(root).unwrap();
    let listed: Vec<String> = stale.iter().map(|s| format!("{}: {}", s.path.display(), s.tables.join(", "))).collect();
    assert!(listed.is_empty(), "tables that differ from their records (run ./build.sh report):\n{}", listed.join("\n"));
}
