//! Cell templates: the text of a table cell with figures taken from one record.
//!
//! `{/result/evaluation/loss|.2}` is the number at that JSON pointer of the record with two
//! decimals; `{/a / /b|.2}` divides two figures of the same record (a ratio is never taken
//! between runs); `{{` and `}}` are literal braces. Formats: none (the value as it is), `.N`
//! (N decimals), `,.N` (thousands grouped), `%.N` (a share as a percentage), `x.N` (a ratio,
//! `1.22x`). An array is formatted element by element and joined with " / ". A third part is
//! a unit written after a figure that is there: `{/seconds|,.0| s}` gives `42 s`, or `-` where
//! the record holds null (a row without that figure).
//!
//! A row filled from several records (runs of several seeds, say) gives each field as the list
//! of its values, in the records' order; `{median /p}`, `{min /p}`, `{max /p}` and `{mean /p}`
//! reduce that list to one figure, and `{count}` is the number of records.

use serde_json::Value;

/// Fills `template` from one record, or says which figure is missing or not a number.
pub fn fill(template: &str, record: &Value) -> Result<String, String> {
    fill_from(template, std::slice::from_ref(record))
}

/// Fills `template` from `records` (one row's): each field is taken from every record.
pub fn fill_from(template: &str, records: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Err(format!("a lone '}}' in {template:?} (write '}}}}')"));
        }
        let close = tail.find('}').ok_or_else(|| format!("an unclosed '{{' in {template:?}"))?;
        out.push_str(&field(&tail[1..close], records)?);
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// One `{...}` field: an optional reduction, a pointer or a quotient of two, an optional format.
fn field(spec: &str, records: &[Value]) -> Result<String, String> {
    let mut parts = spec.splitn(3, '|');
    let expression = parts.next().unwrap_or_default().trim();
    let (format, unit) = (parts.next().unwrap_or_default().trim(), parts.next().unwrap_or_default());
    if expression == "count" {
        return Ok(records.len().to_string());
    }
    let (reduction, expression) = match expression.split_once(' ') {
        Some((word, rest)) if !word.starts_with('/') => (Some(word), rest.trim()),
        _ => (None, expression),
    };
    let values = records.iter().map(|record| evaluate(expression, record)).collect::<Result<Vec<_>, _>>()?;
    let value = match reduction {
        None if values.len() == 1 => values.into_iter().next().unwrap_or(Value::Null),
        None => Value::Array(values),
        Some(name) => reduce(name, &values)?,
    };
    let text = format_value(&value, format)?;
    Ok(if value.is_null() { text } else { text + unit })
}

/// A pointer's value in `record`, or the quotient of two pointers' numbers.
fn evaluate(expression: &str, record: &Value) -> Result<Value, String> {
    match expression.split_once(" / ") {
        Some((numerator, denominator)) => Ok(Value::from(number(numerator.trim(), record)? / number(denominator.trim(), record)?)),
        None => lookup(expression, record).cloned(),
    }
}

/// `median`, `min`, `max` or `mean` of numbers.
fn reduce(name: &str, values: &[Value]) -> Result<Value, String> {
    // A list inside one record (a figure per split, say) is reduced as well as one across records.
    let flat = values.iter().flat_map(|value| match value {
        Value::Array(items) => items.iter().collect::<Vec<_>>(),
        other => vec![other],
    });
    let mut numbers = flat.map(|v| v.as_f64().ok_or_else(|| format!("{name} of {v}, which is not a number"))).collect::<Result<Vec<f64>, _>>()?;
    if numbers.is_empty() {
        return Err(format!("{name} of no values"));
    }
    numbers.sort_by(f64::total_cmp);
    let n = numbers.len();
    let value = match name {
        "median" if n % 2 == 1 => numbers[n / 2],
        "median" => (numbers[n / 2 - 1] + numbers[n / 2]) / 2.0,
        "min" => numbers[0],
        "max" => numbers[n - 1],
        "mean" => numbers.iter().sum::<f64>() / n as f64,
        _ => return Err(format!("unknown reduction {name:?} (median, min, max, mean)")),
    };
    Ok(Value::from(value))
}

fn lookup<'a>(pointer: &str, record: &'a Value) -> Result<&'a Value, String> {
    if !pointer.starts_with('/') {
        return Err(format!("{pointer:?} is not a JSON pointer (it starts with '/')"));
    }
    if let Some(value) = record.pointer(pointer) {
        return Ok(value);
    }
    // A null on the way (a row without that part, the floor's row without a model) reads as null.
    let null_on_the_way = pointer.match_indices('/').skip(1).any(|(end, _)| record.pointer(&pointer[..end]).is_some_and(Value::is_null));
    if null_on_the_way { Ok(&Value::Null) } else { Err(format!("the record has no {pointer}")) }
}

fn number(pointer: &str, record: &Value) -> Result<f64, String> {
    lookup(pointer, record)?.as_f64().ok_or_else(|| format!("{pointer} is not a number"))
}

/// Formats a value (each element of an array) by `format`.
pub fn format_value(value: &Value, format: &str) -> Result<String, String> {
    match value {
        Value::Array(items) => Ok(items.iter().map(|item| format_value(item, format)).collect::<Result<Vec<_>, _>>()?.join(" / ")),
        Value::String(text) if format.is_empty() => Ok(text.clone()),
        Value::Null => Ok("-".into()),
        _ if format.is_empty() => Ok(value.to_string()),
        _ => {
            let x = value.as_f64().ok_or_else(|| format!("{value} is not a number, so it takes no format {format:?}"))?;
            format_number(x, format)
        }
    }
}

/// `.N`, `,.N`, `%.N` or `x.N` applied to `x`.
pub fn format_number(x: f64, format: &str) -> Result<String, String> {
    let (kind, digits) = match format.split_once('.') {
        Some((kind, digits)) => (kind, digits.parse::<usize>().map_err(|_| format!("bad format {format:?}"))?),
        None => return Err(format!("bad format {format:?}: one of .N, ,.N, %.N, x.N")),
    };
    match kind {
        "" => Ok(format!("{x:.digits$}")),
        "," => Ok(group_thousands(&format!("{x:.digits$}"))),
        "%" => Ok(format!("{:.digits$}%", 100.0 * x)),
        "x" => Ok(format!("{x:.digits$}x")),
        _ => Err(format!("bad format {format:?}: one of .N, ,.N, %.N, x.N")),
    }
}

/// `12345.6` as `12,345.6`.
fn group_thousands(fixed: &str) -> String {
    let (sign, unsigned) = fixed.strip_prefix('-').map_or(("", fixed), |rest| ("-", rest));
    let (whole, fraction) = unsigned.split_once('.').map_or((unsigned, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}
