//! Tables of figures written as CSV or JSON, as interchange.md specifies: CSV with a header row,
//! booleans as `true`/`false` and empty cells for no value; JSON as an array of objects with the
//! same keys, numbers as numbers, booleans as booleans and null for no value.

use std::io::Write;

use rollcall_core::stats::Percent;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(u64),
    Pct(Percent),
    Text(String),
    /// Text in CSV, a JSON value (e.g. an object) in JSON.
    Rich(String, serde_json::Value),
}

impl Cell {
    /// The cell as CSV writes it: empty for null.
    pub fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Bool(b) => b.to_string(),
            Cell::Int(n) => n.to_string(),
            Cell::Pct(p) => p.to_string(),
            Cell::Text(t) | Cell::Rich(t, _) => t.clone(),
        }
    }
}

impl From<Option<Percent>> for Cell {
    fn from(p: Option<Percent>) -> Cell {
        p.map_or(Cell::Null, Cell::Pct)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map_or(Cell::Null, Cell::Text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!("'{other}' is not a format; expected csv or json")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Table {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    pub fn write(&self, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            Format::Csv => self.write_csv(out),
            Format::Json => self.write_json(out),
        }
    }

    fn write_csv(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(out);
        w.write_record(&self.columns)?;
        let mut buf = Vec::with_capacity(self.columns.len());
        for row in &self.rows {
            buf.clear();
            buf.extend(row.iter().map(|c| match c {
                Cell::Null => String::new(),
                Cell::Bool(b) => b.to_string(),
                Cell::Int(n) => n.to_string(),
                Cell::Pct(p) => p.to_string(),
                Cell::Text(t) | Cell::Rich(t, _) => t.clone(),
            }));
            w.write_record(&buf)?;
        }
        w.flush()
    }

    fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|row| {
                let object = self
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(k, c)| {
                        let v = match c {
                            Cell::Null => serde_json::Value::Null,
                            Cell::Bool(b) => serde_json::Value::Bool(*b),
                            Cell::Int(n) => serde_json::Value::from(*n),
                            Cell::Pct(p) => serde_json::Number::from_f64(p.rounded())
                                .map_or(serde_json::Value::Null, serde_json::Value::Number),
                            Cell::Text(t) => serde_json::Value::String(t.clone()),
                            Cell::Rich(_, v) => v.clone(),
                        };
                        (k.clone(), v)
                    })
                    .collect::<serde_json::Map<_, _>>();
                serde_json::Value::Object(object)
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_follow_the_contract() {
        let mut t = Table::new(["upn", "possible", "pa", "pct", "form"]);
        t.push(vec![
            Cell::Text("A1".into()),
            Cell::Int(92),
            Cell::Bool(true),
            Percent::of(88, 92).into(),
            Cell::Null,
        ]);
        let mut csv = Vec::new();
        t.write(Format::Csv, &mut csv).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "upn,possible,pa,pct,form\nA1,92,true,95.65,\n"
        );
        let mut json = Vec::new();
        t.write(Format::Json, &mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"upn": "A1", "possible": 92, "pa": true, "pct": 95.65, "form": null}])
        );
    }
}
