//! Renders the Markdown tables of README.md and docs/ from the records under `docs/records/`.
//!
//! A document marks a table with `<!-- table NAME -->` and `<!-- end table -->` lines; what lies
//! between is generated, never edited. `docs/records/tables.toml` defines each NAME: its column
//! headers, and its rows, each one record's figures filled into cell templates
//! ([`super::template`]), or one row per distinct value of a field (`each`), the latest record
//! of each winning. Under every table a line names its records and the runs they came from.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::{read_records, template};
use crate::AeError;

/// Where the records and the table definitions live, relative to the repository's root.
pub const RECORDS_DIR: &str = "docs/records";
const TABLES_FILE: &str = "tables.toml";
const START: &str = "<!-- table ";
const END: &str = "<!-- end table -->";

/// One table's definition.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableSpec {
    columns: Vec<String>,
    /// The default records file of the rows.
    #[serde(default)]
    records: Option<String>,
    /// Fields every row's record must have (JSON pointer to value), merged into each row's.
    #[serde(default, rename = "where")]
    filter: BTreeMap<String, Value>,
    /// Fields every row's record must lack or hold null (JSON pointers): TOML has no null.
    #[serde(default)]
    absent: Vec<String>,
    rows: Vec<RowSpec>,
}

/// One row from the latest matching record; with `each`, a row per distinct value of that field;
/// with `across`, one row from the latest record of each distinct value of that field (seeds,
/// say), whose fields are then lists that `median` and the like reduce.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowSpec {
    #[serde(default)]
    records: Option<String>,
    #[serde(default, rename = "where")]
    filter: BTreeMap<String, Value>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    each: Option<String>,
    #[serde(default)]
    across: Option<String>,
    cells: Vec<String>,
}

/// A document whose generated tables differ from what the records render.
#[derive(Debug)]
pub struct Stale {
    pub path: PathBuf,
    pub tables: Vec<String>,
    pub rendered: String,
}

/// Renders every marked table under `root`; returns the documents whose text would change.
pub fn stale_documents(root: &Path) -> Result<Vec<Stale>, AeError> {
    let mut renderer = Renderer::open(root)?;
    let mut stale = Vec::new();
    for path in documents(root)? {
        let text = std::fs::read_to_string(&path).map_err(|err| AeError::Data(format!("{}: {err}", path.display())))?;
        let (rendered, changed) = renderer.render_document(&text).map_err(|err| AeError::Data(format!("{}: {err}", path.display())))?;
        if !changed.is_empty() {
            stale.push(Stale { path, tables: changed, rendered });
        }
    }
    let unused: Vec<_> = renderer.specs.keys().filter(|name| !renderer.shown.contains(*name)).cloned().collect();
    if !unused.is_empty() {
        return Err(AeError::Data(format!("{RECORDS_DIR}/{TABLES_FILE}: no document shows the table(s) {}", unused.join(", "))));
    }
    Ok(stale)
}

/// Writes every stale document; returns what changed.
pub fn write_documents(root: &Path) -> Result<Vec<Stale>, AeError> {
    let stale = stale_documents(root)?;
    for document in &stale {
        std::fs::write(&document.path, &document.rendered).map_err(|err| AeError::Data(format!("{}: {err}", document.path.display())))?;
    }
    Ok(stale)
}

/// README.md and every Markdown file under docs/.
fn documents(root: &Path) -> Result<Vec<PathBuf>, AeError> {
    let mut found = vec![root.join("README.md")];
    let mut folders = vec![root.join("docs")];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|err| AeError::Data(format!("{}: {err}", folder.display())))?;
        for entry in entries {
            let path = entry.map_err(|err| AeError::Data(err.to_string()))?.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The table definitions and the records they read, each file read once.
pub struct Renderer {
    records_dir: PathBuf,
    specs: BTreeMap<String, TableSpec>,
    records: HashMap<String, Vec<Value>>,
    shown: BTreeSet<String>,
}

impl Renderer {
    /// Reads `docs/records/tables.toml` under `root`.
    pub fn open(root: &Path) -> Result<Renderer, AeError> {
        let records_dir = root.join(RECORDS_DIR);
        let path = records_dir.join(TABLES_FILE);
        let text = std::fs::read_to_string(&path).map_err(|err| AeError::Data(format!("{}: {err}", path.display())))?;
        let specs = toml::from_str(&text).map_err(|err| AeError::Data(format!("{}: {err}", path.display())))?;
        Ok(Renderer { records_dir, specs, records: HashMap::new(), shown: BTreeSet::new() })
    }

    /// `text` with every marked table rendered, and the names of the tables that changed.
    pub fn render_document(&mut self, text: &str) -> Result<(String, Vec<String>), String> {
        let mut out = String::with_capacity(text.len());
        let mut changed = Vec::new();
        let mut lines = text.split_inclusive('\n');
        let mut fenced = false;
        while let Some(line) = lines.next() {
            out.push_str(line);
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
            }
            if fenced {
                continue;
            }
            let Some(name) = line.trim().strip_prefix(START).and_then(|rest| rest.strip_suffix("-->")) else { continue };
            let name = name.trim();
            let mut old = String::new();
            let end = loop {
                match lines.next() {
                    Some(inner) if inner.trim() == END => break inner,
                    Some(inner) => old.push_str(inner),
                    None => return Err(format!("table {name}: no '{END}' line after its start")),
                }
            };
            let new = self.render_table(name).map_err(|err| format!("table {name}: {err}"))?;
            if new != old {
                changed.push(name.to_string());
            }
            out.push_str(&new);
            out.push_str(end);
        }
        Ok((out, changed))
    }

    /// The Markdown of table `name`, with its provenance line, ending in a newline.
    pub fn render_table(&mut self, name: &str) -> Result<String, String> {
        let spec = self.specs.get(name).ok_or_else(|| format!("not defined in {RECORDS_DIR}/{TABLES_FILE}"))?;
        self.shown.insert(name.to_string());
        let mut lines = vec![markdown_row(&spec.columns), format!("|{}", "---|".repeat(spec.columns.len()))];
        let mut sources: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (index, row) in spec.rows.iter().enumerate() {
            if row.cells.len() != spec.columns.len() {
                return Err(format!("row {} has {} cells for {} columns", index + 1, row.cells.len(), spec.columns.len()));
            }
            if row.each.is_some() && row.across.is_some() {
                return Err(format!("row {}: `each` and `across` together", index + 1));
            }
            let file = row.records.as_ref().or(spec.records.as_ref());
            let filter: BTreeMap<_, _> = spec.filter.iter().chain(&row.filter).collect();
            let absent: Vec<&String> = spec.absent.iter().chain(&row.absent).collect();
            let grouping = row.each.as_deref().or(row.across.as_deref());
            let records = match file {
                Some(file) if !filter.is_empty() || !absent.is_empty() || grouping.is_some() => {
                    let all = load(&mut self.records, &self.records_dir, file)?;
                    let chosen = choose(all, (&filter, &absent), grouping);
                    if chosen.is_empty() {
                        return Err(format!("row {}: no record in {file} has {}", index + 1, describe(&filter)));
                    }
                    sources.entry(file.clone()).or_default().extend(chosen.iter().cloned());
                    chosen
                }
                _ => vec![Value::Null],
            };
            let groups: Vec<&[Value]> = if row.across.is_some() { vec![&records[..]] } else { records.chunks(1).collect() };
            for group in groups {
                let cells = row.cells.iter().map(|cell| template::fill_from(cell, group)).collect::<Result<Vec<_>, _>>().map_err(|err| format!("row {}: {err}", index + 1))?;
                lines.push(markdown_row(&cells));
            }
        }
        lines.push(String::new());
        lines.push(provenance(&sources));
        Ok(lines.join("\n") + "\n")
    }
}

fn load<'a>(cache: &'a mut HashMap<String, Vec<Value>>, dir: &Path, file: &str) -> Result<&'a Vec<Value>, String> {
    if !cache.contains_key(file) {
        let records = read_records(&dir.join(file)).map_err(|err| err.to_string())?;
        cache.insert(file.to_string(), records);
    }
    Ok(&cache[file])
}

/// The records matching `filter` and lacking every `absent` field (or holding null there: a field
/// added to a command's line later is absent from the older records): the latest one, or with
/// `each` the latest of each distinct value of that field, in the order the values first appear.
fn choose(records: &[Value], (filter, absent): (&BTreeMap<&String, &Value>, &[&String]), each: Option<&str>) -> Vec<Value> {
    let matching = records.iter().filter(|record| {
        filter.iter().all(|(pointer, want)| record.pointer(pointer) == Some(*want)) && absent.iter().all(|pointer| record.pointer(pointer).is_none_or(Value::is_null))
    });
    match each {
        None => matching.last().cloned().into_iter().collect(),
        Some(pointer) => {
            let mut order: Vec<String> = Vec::new();
            let mut latest: HashMap<String, Value> = HashMap::new();
            for record in matching {
                let key = record.pointer(pointer).map(Value::to_string).unwrap_or_default();
                if !latest.contains_key(&key) {
                    order.push(key.clone());
                }
                latest.insert(key, record.clone());
            }
            order.into_iter().map(|key| latest.remove(&key).unwrap_or(Value::Null)).collect()
        }
    }
}

fn describe(filter: &BTreeMap<&String, &Value>) -> String {
    filter.iter().map(|(pointer, value)| format!("{pointer} = {value}")).collect::<Vec<_>>().join(", ")
}

fn markdown_row(cells: &[String]) -> String {
    format!("| {} |", cells.join(" | "))
}

/// One line naming the records behind a table and the runs they came from.
fn provenance(sources: &BTreeMap<String, Vec<Value>>) -> String {
    if sources.is_empty() {
        return "<sub>No measured figures: the text of this table is its definition's.</sub>".into();
    }
    let text = |record: &Value, key: &str| record.get(key).and_then(Value::as_str).unwrap_or("?").to_string();
    let (mut transcribed_from, mut transcribed_dates) = (BTreeSet::new(), BTreeSet::new());
    let files: Vec<String> = sources
        .iter()
        .map(|(file, records)| {
            let mut runs = BTreeSet::new();
            let mut transcribed = 0;
            for record in records {
                match record.get("transcribed").and_then(Value::as_str) {
                    Some(from) => {
                        transcribed += 1;
                        transcribed_from.insert(from.to_string());
                        transcribed_dates.insert(text(record, "date"));
                    }
                    None => {
                        runs.insert(format!("run on {} at {} ({})", text(record, "date"), text(record, "commit"), text(record, "machine")));
                    }
                }
            }
            let mut parts: Vec<String> = runs.into_iter().collect();
            if transcribed > 0 {
                parts.push(format!("{transcribed} transcribed†"));
            }
            format!("`{file}` ({})", parts.join("; "))
        })
        .collect();
    let mut line = format!("<sub>Rendered by `./build.sh report` from {RECORDS_DIR}/: {}.", files.join(", "));
    if let (Some(first), Some(last)) = (transcribed_dates.first(), transcribed_dates.last()) {
        let dates = if first == last { first.clone() } else { format!("{first} to {last}") };
        let from: Vec<String> = transcribed_from.into_iter().collect();
        line += &format!(" † Transcribed from {}: runs of {dates} whose own result lines were not kept.", from.join(", "));
    }
    line + "</sub>"
}
