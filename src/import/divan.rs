//! divan importer: the text table divan 0.1 prints on stdout (it has no machine-readable
//! output).
//!
//! ```text
//! walltime          fastest       │ slowest       │ median        │ mean          │ samples │ iters
//! ├─ checksum                     │               │               │               │         │
//! │  ├─ 1024        1.02 µs       │ 1.3 µs        │ 1.04 µs       │ 1.05 µs       │ 100     │ 400
//! │  │              1.003 GB/s    │ 787.6 MB/s    │ 984.6 MB/s    │ 975.2 MB/s    │         │
//! ╰─ mix            9.1 µs        │ 12.3 µs       │ 9.25 µs       │ 9.4 µs        │ 100     │ 100
//! ```
//!
//! The tree's root is the bench target (the `[[bench]]` name); modules, functions, generic types
//! (`u32`, `String`), arguments (`1024`) and thread counts (`t=4`) are its levels. Each benchmark
//! yields `divan/<target>/<path…>`: the median in nanoseconds, lower is better, with `fastest`,
//! `slowest`, `mean`, `samples` and `iters` kept in the metric's `stats`. A counter's throughput
//! row yields `divan/<target>/<path…>/throughput` (bytes per second, or items, chars or cycles
//! per second; higher is better), a second counter `…/throughput-<kind>`; allocation rows
//! (`AllocProfiler`) are kept in `stats` (`alloc-count`, `alloc-bytes` … of the median column).
//! divan prints no raw samples: each metric is one value, compared with few-runs statistics.
//!
//! Anything that is not divan's table is skipped (cargo's `Running …` lines, `Timer precision`);
//! inside a table, a row that cannot be read, a level that ends before its last entry (`├─`
//! without a closing `╰─`) or a benchmark row cut short is an error naming the file and line.

use std::path::Path;

use super::ImportError;
use crate::model::input_file::read_document;
use crate::model::{Direction, Metric, ResultsFile, Unit};

/// The column headings divan writes after the root's name.
const HEADINGS: [&str; 6] = ["fastest", "slowest", "median", "mean", "samples", "iters"];

/// Allocation sections `AllocProfiler` adds below a benchmark, and the names their rows get.
const ALLOC_SECTIONS: [(&str, &str); 5] = [
    ("max alloc:", "max-alloc"),
    ("alloc:", "alloc"),
    ("dealloc:", "dealloc"),
    ("grow:", "grow"),
    ("shrink:", "shrink"),
];

/// What a divan output gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// Metrics in table order.
    pub metrics: Vec<Metric>,
    /// What the user should know (ignored or unmeasured benchmarks).
    pub warnings: Vec<String>,
}

/// Imports divan's output saved from `cargo bench` (stdout; stderr may be mixed in). `name`
/// replaces the bench target divan prints as the tree's root.
pub fn import(file: &Path, name: Option<&str>) -> Result<ResultsFile, ImportError> {
    let bytes = read_document(file).map_err(|e| ImportError::io(file, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ImportError::format(
            file,
            format!(
                "not UTF-8 text (invalid byte at offset {}); expected divan's output",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let parsed = parse(&text, file, name)?;
    let mut results = ResultsFile::new();
    results.metrics = parsed.metrics;
    results.warnings = parsed.warnings;
    ImportError::check_output(results, file)
}

/// Parses divan's output; `origin` names the file in errors, `name` overrides the target.
pub fn parse(text: &str, origin: &Path, name: Option<&str>) -> Result<Parsed, ImportError> {
    if let Some(n) = name {
        if n.is_empty() || n.contains('/') {
            return Err(ImportError::format(
                origin,
                format!("--name {n:?}: expected a non-empty label without `/`"),
            ));
        }
    }
    let mut p = Parser {
        origin,
        name,
        metrics: Vec::new(),
        warnings: Vec::new(),
        table: None,
        tables: 0,
        seen: std::collections::HashSet::new(),
    };
    let mut last = 0;
    for (i, raw) in text.lines().enumerate() {
        last = i + 1;
        p.line(raw.trim_end_matches('\r'), i + 1)?;
    }
    p.finish_table(last, true)?;
    if p.tables == 0 {
        return Err(ImportError::format(
            origin,
            "no divan table found (a line `<bench> fastest │ slowest │ median │ mean │ samples │ iters`); save the output of `cargo bench` for a divan bench target",
        ));
    }
    if p.metrics.is_empty() {
        return Err(ImportError::Nothing(format!(
            "{}: the divan table holds no measured benchmark",
            origin.display()
        )));
    }
    Ok(Parsed {
        metrics: p.metrics,
        warnings: p.warnings,
    })
}

struct Parser<'a> {
    origin: &'a Path,
    name: Option<&'a str>,
    metrics: Vec<Metric>,
    warnings: Vec<String>,
    table: Option<Table>,
    tables: usize,
    seen: std::collections::HashSet<String>,
}

/// The table being read.
struct Table {
    target: String,
    /// Open levels below the root: the entry's name, whether it was its level's last (`╰─`), and
    /// whether it is a parent still waiting for its first child.
    open: Vec<Open>,
    /// The benchmark rows below the last measured benchmark attach to (index into `metrics`).
    last_leaf: Option<LastLeaf>,
    /// The line of the last entry, for messages.
    entries: usize,
}

struct Open {
    name: String,
    last: bool,
    parent: bool,
    children: usize,
    line: usize,
}

struct LastLeaf {
    metric: usize,
    throughputs: usize,
    /// The allocation section whose rows come next, and how many of its rows were read.
    alloc: Option<(&'static str, usize)>,
}

/// One row split into its tree part and its six columns.
struct Row<'l> {
    /// Levels of indentation before the branch glyph.
    depth: usize,
    /// `Some(last)` for an entry (`├─` / `╰─`), `None` for a row under a benchmark.
    branch: Option<bool>,
    /// The entry's name and anything before the first `│` (the fastest column of a leaf).
    head: &'l str,
    /// The other five columns, trimmed; empty when the row has none.
    columns: Vec<&'l str>,
}

impl Parser<'_> {
    fn err(&self, line: usize, message: impl std::fmt::Display) -> ImportError {
        ImportError::format(self.origin, format!("line {line}: {message}"))
    }

    fn line(&mut self, raw: &str, n: usize) -> Result<(), ImportError> {
        if let Some(target) = header(raw) {
            self.finish_table(n, false)?;
            let target = match self.name {
                Some(name) => name.to_string(),
                None if target.is_empty() || target.contains('/') => {
                    return Err(self.err(
                        n,
                        format!(
                        "the bench target {target:?} cannot be an id part; give one with --name"
                    ),
                    ))
                }
                None => target.to_string(),
            };
            self.table = Some(Table {
                target,
                open: Vec::new(),
                last_leaf: None,
                entries: 0,
            });
            self.tables += 1;
            return Ok(());
        }
        if self.table.is_none() {
            return Ok(());
        }
        if raw.trim().is_empty() {
            return self.finish_table(n, false);
        }
        if raw.starts_with("warning:") {
            self.warnings.push(format!(
                "{}: line {n}: {}",
                self.origin.display(),
                raw.trim()
            ));
            return Ok(());
        }
        let row = split_row(raw).ok_or_else(|| {
            self.err(n, format!("not a row of divan's table: {:?}", shorten(raw)))
        })?;
        match row.branch {
            Some(last) => self.entry(&row, last, n),
            None => self.detail(&row, n),
        }
    }

    /// An entry (`├─ name …` or `╰─ name …`): a parent level, a measured benchmark, an ignored
    /// one, or one without measurements.
    fn entry(&mut self, row: &Row, last: bool, n: usize) -> Result<(), ImportError> {
        let depth = row.depth + 1;
        self.close_to(depth, n)?;
        let Some(table) = self.table.as_mut() else {
            return Ok(());
        };
        table.entries = n;
        if let Some(parent) = table.open.last_mut() {
            parent.children += 1;
        }
        let blank = row.columns.iter().all(|c| c.is_empty());
        let head = row.head.trim_end();
        let (name, kind) = if row.columns.is_empty() {
            (head, EntryKind::Empty)
        } else if blank {
            match head.strip_suffix("(ignored)") {
                Some(name) => (name.trim_end(), EntryKind::Ignored),
                None => (head, EntryKind::Parent),
            }
        } else {
            (head, EntryKind::Leaf)
        };
        let name = if kind == EntryKind::Leaf {
            // The name, then two or more spaces, then the fastest time (`1.2 ns`).
            let (name, _) = split_value(head).ok_or_else(|| {
                ImportError::format(
                    self.origin,
                    format!(
                        "line {n}: expected a benchmark name and its fastest time, found {:?}",
                        shorten(head)
                    ),
                )
            })?;
            name
        } else {
            name
        };
        if name.is_empty() {
            return Err(self.err(n, "an entry without a name"));
        }
        let table = self
            .table
            .as_mut()
            .ok_or_else(|| ImportError::format(self.origin, "internal: no table"))?;
        table.open.push(Open {
            name: name.to_string(),
            last,
            parent: kind == EntryKind::Parent,
            children: 0,
            line: n,
        });
        let path: Vec<&str> = table.open.iter().map(|o| o.name.as_str()).collect();
        let id = format!("divan/{}/{}", table.target, path.join("/"));
        table.last_leaf = None;
        match kind {
            EntryKind::Parent => Ok(()),
            EntryKind::Ignored => {
                self.warnings.push(format!(
                    "{}: {id} was ignored (`#[ignore]`); not measured",
                    self.origin.display()
                ));
                Ok(())
            }
            EntryKind::Empty => {
                self.warnings.push(format!(
                    "{}: line {n}: {id} has no measurements (a benchmark that did not call its bencher, or `--list` output)",
                    self.origin.display()
                ));
                Ok(())
            }
            EntryKind::Leaf => self.leaf(row, id, n),
        }
    }

    /// A measured benchmark's row: four times, the sample and iteration counts.
    fn leaf(&mut self, row: &Row, id: String, n: usize) -> Result<(), ImportError> {
        if row.columns.len() != 5 {
            return Err(self.err(
                n,
                format!("{id}: expected 6 columns (fastest │ slowest │ median │ mean │ samples │ iters), found {} (cut short?)", row.columns.len() + 1),
            ));
        }
        let (_, fastest) =
            split_value(row.head.trim_end()).ok_or_else(|| self.err(n, "no fastest time"))?;
        let mut times = [0.0; 4];
        for (i, text) in std::iter::once(fastest)
            .chain(row.columns[..3].iter().copied())
            .enumerate()
        {
            times[i] = parse_time(text).ok_or_else(|| {
                self.err(
                    n,
                    format!("{id}: column `{}`: expected a time such as `1.25 µs` (units ps, ns, µs, us, ms, s), found {text:?}", HEADINGS[i]),
                )
            })?;
        }
        let mut counts = [0.0; 2];
        for (i, text) in row.columns[3..5].iter().enumerate() {
            counts[i] = text.parse::<u64>().map(|c| c as f64).map_err(|_| {
                self.err(
                    n,
                    format!(
                        "{id}: column `{}`: expected a whole number, found {text:?}",
                        HEADINGS[4 + i]
                    ),
                )
            })?;
        }
        if !self.seen.insert(id.clone()) {
            return Err(self.err(n, format!("{id} appears twice")));
        }
        let mut metric = Metric::new(id, Unit::Nanoseconds, Direction::Lower, times[2]);
        for (key, v) in [
            ("fastest", times[0]),
            ("slowest", times[1]),
            ("mean", times[3]),
            ("samples", counts[0]),
            ("iters", counts[1]),
        ] {
            metric.stats.insert(key.into(), v);
        }
        self.metrics.push(metric);
        if let Some(table) = self.table.as_mut() {
            table.last_leaf = Some(LastLeaf {
                metric: self.metrics.len() - 1,
                throughputs: 0,
                alloc: None,
            });
        }
        Ok(())
    }

    /// A row below a benchmark: a throughput, an allocation section's heading or its counts and
    /// sizes.
    fn detail(&mut self, row: &Row, n: usize) -> Result<(), ImportError> {
        let Some(leaf) = self.table.as_ref().and_then(|t| t.last_leaf.as_ref()) else {
            return Err(self.err(
                n,
                format!(
                    "a row without its benchmark: {:?}",
                    shorten(row.head.trim())
                ),
            ));
        };
        let owner = leaf.metric;
        let first = row.head.trim();
        if let Some(&(_, section)) = ALLOC_SECTIONS.iter().find(|(heading, _)| *heading == first) {
            if let Some(leaf) = self.table.as_mut().and_then(|t| t.last_leaf.as_mut()) {
                leaf.alloc = Some((section, 0));
            }
            return Ok(());
        }
        if row.columns.len() != 5 {
            return Err(self.err(
                n,
                format!(
                    "expected 6 columns below {}, found {} (cut short?)",
                    self.metrics[owner].id,
                    row.columns.len() + 1
                ),
            ));
        }
        let values: Vec<&str> = std::iter::once(first)
            .chain(row.columns[..3].iter().copied())
            .collect();
        let alloc = self
            .table
            .as_ref()
            .and_then(|t| t.last_leaf.as_ref())
            .and_then(|l| l.alloc);
        if let Some((section, rows)) = alloc {
            // Counts first, then sizes.
            let (what, parsed) = if rows == 0 {
                (
                    "count",
                    values[2]
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v >= 0.0),
                )
            } else {
                ("bytes", parse_bytes(values[2]))
            };
            if rows < 2 && parsed.is_some() && !is_throughput(values[2]) {
                let v = parsed.unwrap_or_default();
                self.metrics[owner]
                    .stats
                    .insert(format!("{section}-{what}"), v);
                if let Some(leaf) = self.table.as_mut().and_then(|t| t.last_leaf.as_mut()) {
                    leaf.alloc = Some((section, rows + 1));
                }
                return Ok(());
            }
        }
        // A throughput row: four rates.
        let mut rates = [0.0; 4];
        let mut unit = None;
        for (i, text) in values.iter().enumerate() {
            let (v, u) = parse_rate(text).ok_or_else(|| {
                self.err(n, format!("below {}: column `{}`: expected a throughput such as `1.5 GB/s`, `20 Mitem/s`, `3 Kchar/s` or `2 GHz`, found {text:?}", self.metrics[owner].id, HEADINGS[i]))
            })?;
            if unit.is_some_and(|(_, k)| k != u.1) {
                return Err(self.err(
                    n,
                    format!(
                        "below {}: a throughput row mixes counters",
                        self.metrics[owner].id
                    ),
                ));
            }
            unit = Some(u);
            rates[i] = v;
        }
        let Some((unit, kind)) = unit else {
            return Err(self.err(n, "an empty throughput row"));
        };
        let count = {
            let leaf = self
                .table
                .as_mut()
                .and_then(|t| t.last_leaf.as_mut())
                .ok_or_else(|| ImportError::format(self.origin, "internal: no benchmark"))?;
            leaf.throughputs += 1;
            leaf.alloc = None;
            leaf.throughputs
        };
        let base = &self.metrics[owner].id;
        let id = if count == 1 {
            format!("{base}/throughput")
        } else {
            format!("{base}/throughput-{kind}")
        };
        if !rates.iter().all(|r| r.is_finite()) {
            self.warnings.push(format!(
                "{}: line {n}: {id}: divan printed an infinite throughput (a time of 0); left out",
                self.origin.display()
            ));
            return Ok(());
        }
        if !self.seen.insert(id.clone()) {
            return Err(self.err(n, format!("{id} appears twice")));
        }
        let mut metric = Metric::new(id, unit, Direction::Higher, rates[2]);
        for (key, v) in [
            ("fastest", rates[0]),
            ("slowest", rates[1]),
            ("mean", rates[3]),
        ] {
            metric.stats.insert(key.into(), v);
        }
        self.metrics.push(metric);
        Ok(())
    }

    /// Closes the open levels deeper than `depth − 1` before an entry at `depth`: each level
    /// must have ended on its last entry (`╰─`), and the entry's own level must still be open.
    fn close_to(&mut self, depth: usize, n: usize) -> Result<(), ImportError> {
        let origin = self.origin;
        let Some(table) = self.table.as_mut() else {
            return Ok(());
        };
        if depth > table.open.len() + 1 {
            return Err(ImportError::format(
                origin,
                format!(
                    "line {n}: an entry {} levels deep under a level {} deep: the tree is garbled",
                    depth,
                    table.open.len()
                ),
            ));
        }
        if let Some(parent) = table.open.get(depth.wrapping_sub(2)) {
            if depth >= 2 && !parent.parent {
                return Err(ImportError::format(origin, format!("line {n}: an entry below {:?} (line {}), which is a benchmark, not a group", parent.name, parent.line)));
            }
        }
        while table.open.len() >= depth {
            let closing = table.open.len() == depth;
            let Some(o) = table.open.pop() else { break };
            if o.parent && o.children == 0 {
                return Err(ImportError::format(
                    origin,
                    format!(
                        "line {}: {:?} has no benchmarks below it (cut short?)",
                        o.line, o.name
                    ),
                ));
            }
            if closing && o.last {
                return Err(ImportError::format(origin, format!("line {n}: an entry after {:?} (line {}), the last of its level (`╰─`): the tree is garbled", o.name, o.line)));
            }
            if !closing && !o.last {
                return Err(ImportError::format(origin, format!("line {n}: the level of {:?} (line {}) ends before its last entry (`╰─`): entries are missing", o.name, o.line)));
            }
        }
        Ok(())
    }

    /// Ends the current table (at a blank line, a new header or the end of the file): every
    /// level must have reached its last entry.
    fn finish_table(&mut self, n: usize, at_end: bool) -> Result<(), ImportError> {
        let Some(table) = self.table.take() else {
            return Ok(());
        };
        if table.entries == 0 {
            return Err(self.err(
                n,
                format!(
                    "the table of {:?} has no benchmarks{}",
                    table.target,
                    if at_end {
                        " (the file ends after its heading: cut short?)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        for o in table.open.iter().rev() {
            if o.parent && o.children == 0 {
                return Err(self.err(
                    o.line,
                    format!("{:?} has no benchmarks below it (cut short?)", o.name),
                ));
            }
            if !o.last {
                return Err(self.err(
                    n,
                    format!(
                        "the table of {:?} {} before the last entry of {:?}'s level (line {}): cut short?",
                        table.target,
                        if at_end { "ends with the file" } else { "ends" },
                        o.name,
                        o.line
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Parent,
    Leaf,
    Ignored,
    Empty,
}

/// The root's name when `line` is a table's heading (`walltime  fastest │ slowest │ … │ iters`).
fn header(line: &str) -> Option<&str> {
    let mut parts = line.split('│').map(str::trim);
    let first = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    if rest != HEADINGS[1..] {
        return None;
    }
    let name = first.strip_suffix(HEADINGS[0])?.trim_end();
    (!name.contains(['├', '╰'])).then_some(name)
}

/// Splits a row of the table into its indentation, branch glyph, head and columns.
fn split_row(line: &str) -> Option<Row<'_>> {
    let mut rest = line;
    let mut depth = 0;
    let branch = loop {
        if let Some(r) = rest.strip_prefix("├─ ").or_else(|| rest.strip_prefix("├─")) {
            rest = r;
            break Some(false);
        }
        if let Some(r) = rest.strip_prefix("╰─ ").or_else(|| rest.strip_prefix("╰─")) {
            rest = r;
            break Some(true);
        }
        if let Some(r) = rest
            .strip_prefix("│  ")
            .or_else(|| rest.strip_prefix("   "))
        {
            rest = r;
            depth += 1;
            continue;
        }
        break None;
    };
    if branch.is_none() {
        // A row under a benchmark: its indentation, an optional `│`, then padding.
        rest = line.trim_start_matches([' ', '│']);
        if rest.is_empty() || !line.starts_with([' ', '│']) {
            return None;
        }
    }
    let mut parts = rest.split('│');
    let head = parts.next()?;
    let columns: Vec<&str> = parts.map(str::trim).collect();
    Some(Row {
        depth,
        branch,
        head,
        columns,
    })
}

/// Splits `name   1.25 µs` into the name and the value with its unit (the last two words).
fn split_value(head: &str) -> Option<(&str, &str)> {
    let head = head.trim_end();
    let unit_start = head.rfind(' ')?;
    let number_start = head[..unit_start]
        .trim_end()
        .rfind(' ')
        .map_or(0, |i| i + 1);
    let name = head[..number_start].trim_end();
    Some((name, head[number_start..].trim()))
}

/// A divan time (`980 ps`, `1.25 µs`, `3 ms`, `1.2 s`) in nanoseconds.
pub fn parse_time(text: &str) -> Option<f64> {
    let (number, unit) = text.trim().split_once(' ')?;
    let scale = match unit.trim() {
        "ps" => 1e-3,
        "ns" => 1.0,
        "µs" | "μs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    let v = number.parse::<f64>().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v * scale)
}

/// Whether a cell holds a throughput (ends in `/s` or `Hz`).
fn is_throughput(text: &str) -> bool {
    text.ends_with("/s") || text.ends_with("Hz")
}

/// A divan throughput (`1.003 GB/s`, `12 MiB/s`, `3.5 Mitem/s`, `900 Kchar/s`, `2 GHz`,
/// `inf B/s`): the value per second, its unit and the counter's kind.
pub fn parse_rate(text: &str) -> Option<(f64, (Unit, &'static str))> {
    let (number, unit) = text.trim().split_once(' ')?;
    let v = if number == "inf" {
        f64::INFINITY
    } else {
        number
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)?
    };
    let (prefix, kind, unit_kind) = if let Some(p) = unit.strip_suffix("B/s") {
        (p, "bytes", Unit::BytesPerSecond)
    } else if let Some(p) = unit.strip_suffix("item/s") {
        (p, "items", Unit::PerSecond)
    } else if let Some(p) = unit.strip_suffix("char/s") {
        (p, "chars", Unit::PerSecond)
    } else if let Some(p) = unit.strip_suffix("Hz") {
        (p, "cycles", Unit::PerSecond)
    } else {
        return None;
    };
    Some((v * scale(prefix)?, (unit_kind, kind)))
}

/// A divan size (`64 B`, `4.5 KB`, `2 MiB`) in bytes.
fn parse_bytes(text: &str) -> Option<f64> {
    let (number, unit) = text.trim().split_once(' ')?;
    let prefix = unit.strip_suffix('B')?;
    let v = number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)?;
    Some(v * scale(prefix)?)
}

/// The factor of a decimal (`K`, `M` …) or binary (`Ki`, `Mi` …) prefix.
fn scale(prefix: &str) -> Option<f64> {
    const DECIMAL: [&str; 6] = ["", "K", "M", "G", "T", "P"];
    const BINARY: [&str; 6] = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
    if let Some(i) = DECIMAL.iter().position(|p| *p == prefix) {
        return Some(1e3_f64.powi(i as i32));
    }
    BINARY
        .iter()
        .position(|p| *p == prefix)
        .map(|i| 1024_f64.powi(i as i32))
}

/// At most 80 characters of a line, for messages.
fn shorten(line: &str) -> String {
    let mut s: String = line.chars().take(80).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\
     Running benches/walltime.rs (target/release/deps/walltime-0123)
Timer precision: 20 ns
walltime          fastest       │ slowest       │ median        │ mean          │ samples │ iters
├─ add_one        0.2 ns        │ 0.4 ns        │ 0.25 ns       │ 0.26 ns       │ 100     │ 409600
├─ checksum                     │               │               │               │         │
│  ├─ 1024        1.02 µs       │ 1.3 µs        │ 1.04 µs       │ 1.05 µs       │ 100     │ 400
│  │              1.003 GB/s    │ 787.6 MB/s    │ 984.6 MB/s    │ 975.2 MB/s    │         │
│  ╰─ 16384       16.1 µs       │ 20 µs         │ 16.4 µs       │ 16.6 µs       │ 100     │ 100
│                 1.017 GB/s    │ 819.2 MB/s    │ 999 MB/s      │ 987 MB/s      │         │
├─ generic                      │               │               │               │         │
│  ╰─ sort                      │               │               │               │         │
│     ├─ u32                    │               │               │               │         │
│     │  ╰─ 100   700 ns        │ 1 µs          │ 720 ns        │ 730 ns        │ 100     │ 800
│     ╰─ u128                   │               │               │               │         │
│        ╰─ 100   900 ns        │ 1.1 µs        │ 910 ns        │ 920 ns        │ 100     │ 800
├─ ignored_one    (ignored)     │               │               │               │         │
├─ long_sort      5.2 ms        │ 7 ms          │ 5.5 ms        │ 5.6 ms        │ 20      │ 20
╰─ parse_sum      11 µs         │ 13 µs         │ 11.5 µs       │ 11.6 µs       │ 100     │ 100
                  45.45 Mitem/s │ 38.46 Mitem/s │ 43.47 Mitem/s │ 43.1 Mitem/s  │         │
                  max alloc:    │               │               │               │         │
                    2           │ 2             │ 2             │ 2             │         │
                    4.5 KB      │ 4.5 KB        │ 4.5 KB        │ 4.5 KB        │         │

";

    fn parse_ok(text: &str) -> Parsed {
        parse(text, Path::new("out.txt"), None).unwrap()
    }

    #[test]
    fn every_shape_becomes_an_id() {
        let p = parse_ok(TABLE);
        let ids: Vec<(&str, f64)> = p.metrics.iter().map(|m| (m.id.as_str(), m.value)).collect();
        let want = [
            ("divan/walltime/add_one", 0.25),
            ("divan/walltime/checksum/1024", 1040.0),
            ("divan/walltime/checksum/1024/throughput", 984.6e6),
            ("divan/walltime/checksum/16384", 16400.0),
            ("divan/walltime/checksum/16384/throughput", 999e6),
            ("divan/walltime/generic/sort/u32/100", 720.0),
            ("divan/walltime/generic/sort/u128/100", 910.0),
            ("divan/walltime/long_sort", 5.5e6),
            ("divan/walltime/parse_sum", 11500.0),
            ("divan/walltime/parse_sum/throughput", 43.47e6),
        ];
        assert_eq!(ids.len(), want.len(), "{ids:?}");
        for ((id, v), (wid, wv)) in ids.iter().zip(want) {
            assert_eq!(*id, wid);
            assert!((v - wv).abs() <= 1e-9 * wv.max(1.0), "{id}: {v} vs {wv}");
        }
        let add = &p.metrics[0];
        assert_eq!(
            (add.unit, add.direction),
            (Unit::Nanoseconds, Direction::Lower)
        );
        assert_eq!(add.stats["fastest"], 0.2);
        assert_eq!(add.stats["iters"], 409600.0);
        assert_eq!(p.metrics[2].unit, Unit::BytesPerSecond);
        assert_eq!(p.metrics[2].direction, Direction::Higher);
        let parse_sum = &p.metrics[8];
        assert_eq!(parse_sum.stats["max-alloc-count"], 2.0);
        assert_eq!(parse_sum.stats["max-alloc-bytes"], 4500.0);
        assert_eq!(p.metrics[9].unit, Unit::PerSecond);
        assert!(
            p.warnings.iter().any(|w| w.contains("ignored_one")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn name_overrides_the_target() {
        let p = parse(TABLE, Path::new("x"), Some("fast")).unwrap();
        assert_eq!(p.metrics[0].id, "divan/fast/add_one");
    }

    #[test]
    fn units_and_prefixes() {
        assert_eq!(parse_time("980 ps"), Some(0.98));
        assert_eq!(parse_time("2 us"), Some(2000.0));
        assert_eq!(parse_time("1.5 s"), Some(1.5e9));
        assert_eq!(parse_time("1.5 h"), None);
        assert_eq!(
            parse_rate("2 GiB/s").map(|r| r.0),
            Some(2.0 * 1024.0 * 1024.0 * 1024.0)
        );
        assert_eq!(parse_rate("3 Kchar/s").map(|r| r.0), Some(3000.0));
        assert_eq!(
            parse_rate("2 GHz").map(|r| (r.0, r.1 .1)),
            Some((2e9, "cycles"))
        );
        assert!(parse_rate("inf B/s").is_some_and(|r| r.0.is_infinite()));
        assert_eq!(parse_rate("2 apples/s"), None);
    }

    #[test]
    fn cut_or_garbled_tables_name_the_line() {
        let lines: Vec<&str> = TABLE.lines().collect();
        // Cut after `checksum/1024`'s time row: its level never reached `╰─`.
        let cut = lines[..6].join("\n");
        let err = parse(&cut, Path::new("out.txt"), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("out.txt") && err.contains("cut short"),
            "{err}"
        );
        // A row cut in the middle of its columns.
        let cut_row: String = lines[5].chars().take(40).collect();
        let mid = format!("{}\n{cut_row}", lines[..5].join("\n"));
        let err = parse(&mid, Path::new("out.txt"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 6"), "{err}");
        // A bad unit.
        let bad = TABLE.replace("5.5 ms", "5.5 hr");
        let err = parse(&bad, Path::new("out.txt"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 17") && err.contains("median"), "{err}");
        // Not a divan output at all.
        let err = parse("hello\n", Path::new("out.txt"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no divan table"), "{err}");
        // Only the heading.
        let err = parse(&lines[..3].join("\n"), Path::new("out.txt"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no benchmarks"), "{err}");
    }
}
