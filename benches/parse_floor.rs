//! The parse floor: read every `.sql` file under a folder, split it with pg_query's scanner and
//! parse each statement with bare `pg_query::parse`, on one thread. `make bench` compares
//! `pgaudit-lint check` against this.
//!
//! Usage: cargo bench --bench parse_floor -- DIR [RUNS]

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let dir = args.next().unwrap_or_else(|| "../shared/corpus".to_owned());
    let runs: usize = args.next().and_then(|runs| runs.parse().ok()).unwrap_or(5);
    let mut paths: Vec<_> = walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| {
            entry.file_type().is_file() && entry.path().extension().is_some_and(|ext| ext == "sql")
        })
        .map(|entry| entry.into_path())
        .collect();
    paths.sort();
    let mut times = Vec::new();
    let mut statements = 0;
    for _ in 0..runs {
        let start = Instant::now();
        statements = 0;
        for path in &paths {
            let bytes = std::fs::read(path).expect("readable");
            let text = String::from_utf8_lossy(&bytes).replace('\0', " ");
            let pieces = pg_query::split_with_scanner(&text).unwrap_or_default();
            for piece in pieces {
                statements += 1;
                let _ = std::hint::black_box(pg_query::parse(piece, 0));
            }
        }
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"files\": {}, \"statements\": {statements}, \"median_seconds\": {:.4}, \"runs\": {runs}}}",
        paths.len(),
        times[times.len() / 2]
    );
}
