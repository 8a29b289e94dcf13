//! Writes a deterministic sample `.xls` and the rows it holds, for checking the BIFF8
//! writer with independent readers (tools/xls_check). Usage:
//! `cargo run -p formats --example write_sample -- OUT_DIR` writes `OUT_DIR/sample.xls`
//! and `OUT_DIR/sample.json` (an array of rows; each cell is a JSON string, number,
//! boolean, or null for an empty cell).
//!
//! The sample covers what readers get wrong: a shared string table spanning many
//! Continue records (3,000-character strings and one of 20,000, in Latin-1 and UTF-16),
//! CJK and emoji text, numbers, booleans, empty cells, and more than one 32-row block.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use formats::{Cell, Format, SheetOptions, open_sheet_writer};
use serde_json::{Value, json};

const DATA_ROWS: u64 = 300;

/// A tiny deterministic generator (64-bit LCG), so the sample is the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn rows() -> Vec<Vec<Value>> {
    let mut rng = Lcg(2024);
    let names = [
        "Zoë Ærø",
        "José Núñez",
        "Ada Lovelace",
        "Łukasz Żółw",
        "Ngọc Anh",
    ];
    let cjk = [
        "株式会社テスト",
        "北京有限公司",
        "서울 주식회사",
        "台北數位",
    ];
    let emoji = ["🚀 launch", "deal 🤝 closed", "👩‍💻 dev", "𝄞 music 🎵"];
    let mut rows = vec![vec![
        json!("id"),
        json!("name"),
        json!("company"),
        json!("note"),
        json!("amount"),
        json!("won"),
        json!("long text"),
        json!("empty"),
    ]];
    for id in 0..DATA_ROWS {
        let long = match id {
            7 => (0..20_000)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect(),
            8 => (0..20_000).map(|i| ['中', 'é', '😀'][i % 3]).collect(),
            id if id % 10 == 3 => format!("{id}:{}", "Grüße ".repeat(500)),
            id if id % 10 == 6 => format!("{id}:{}", "長いテキスト😀".repeat(375)),
            _ => String::new(),
        };
        let amount = (rng.next() % 10_000_000) as f64 / 100.0 - 20_000.0;
        let note = if id == 42 {
            "line one\nline \"two\", with comma".to_owned()
        } else {
            rng.pick(&emoji).to_owned()
        };
        rows.push(vec![
            json!(id),
            json!(rng.pick(&names)),
            json!(rng.pick(&cjk)),
            json!(note),
            json!(amount),
            json!(rng.next().is_multiple_of(2)),
            if long.is_empty() {
                Value::Null
            } else {
                json!(long)
            },
            Value::Null,
        ]);
    }
    rows
}

fn cell(value: &Value) -> Cell<'_> {
    match value {
        Value::Null => Cell::Empty,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => Cell::Number(n.as_f64().expect("finite number")),
        Value::String(s) => Cell::Text(s),
        other => panic!("no cell for {other}"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .ok_or("usage: write_sample OUT_DIR")?
        .into();
    std::fs::create_dir_all(&dir)?;
    let rows = rows();

    let file = File::create(dir.join("sample.xls"))?;
    let mut writer = open_sheet_writer(Format::Xls, file, &SheetOptions::default())?;
    for row in &rows {
        let cells: Vec<Cell<'_>> = row.iter().map(cell).collect();
        writer.write_row(&cells)?;
    }
    writer.finish()?;

    let json = BufWriter::new(File::create(dir.join("sample.json"))?);
    serde_json::to_writer(json, &rows)?;
    println!(
        "wrote {} rows to {}",
        rows.len(),
        dir.join("sample.xls").display()
    );
    Ok(())
}
