//! Measures what each deflate level costs and saves on real export bytes, the measurement
//! behind `deflate::LEVEL` (docs/BENCHMARKS.md): for every file given and levels 1 to 6 and
//! 9, the compressed size and the single-core speed of flate2's zlib-rs backend, the same
//! library and settings (raw deflate) the writers use, median of three passes. Usage:
//! `cargo run --release -p formats --example deflate_levels -- FILE...`.

use std::time::Instant;

use flate2::{Compress, Compression, FlushCompress, Status};

const LEVELS: [u32; 7] = [1, 2, 3, 4, 5, 6, 9];
const PASSES: usize = 3;

/// Compresses `input` whole at `level`; returns the compressed length.
fn deflate(input: &[u8], level: u32, output: &mut Vec<u8>) -> usize {
    let mut compressor = Compress::new(Compression::new(level), false);
    output.clear();
    output.reserve(input.len() / 2 + 1024);
    loop {
        let consumed = compressor.total_in() as usize;
        let status = compressor
            .compress_vec(&input[consumed..], output, FlushCompress::Finish)
            .expect("deflate never fails on memory input");
        if status == Status::StreamEnd {
            return output.len();
        }
        output.reserve(output.capacity().max(1 << 20));
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        return Err("usage: deflate_levels FILE...".into());
    }
    let mut output = Vec::new();
    println!("| file | level | compressed | of the input | MB/s on one core |");
    println!("|---|---|---|---|---|");
    for path in &paths {
        let input = std::fs::read(path)?;
        let name = std::path::Path::new(path)
            .file_name()
            .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
        for level in LEVELS {
            let mut seconds = Vec::with_capacity(PASSES);
            let mut size = 0;
            for _ in 0..PASSES {
                let started = Instant::now();
                size = deflate(&input, level, &mut output);
                seconds.push(started.elapsed().as_secs_f64());
            }
            seconds.sort_by(f64::total_cmp);
            let rate = input.len() as f64 / 1e6 / seconds[PASSES / 2];
            println!(
                "| {name} ({:.0} MB) | {level} | {:.1} MB | {:.1} % | {rate:.0} |",
                input.len() as f64 / 1e6,
                size as f64 / 1e6,
                100.0 * size as f64 / input.len() as f64,
            );
        }
    }
    Ok(())
}
