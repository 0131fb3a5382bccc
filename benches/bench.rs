//! `make bench`: end-to-end timings of pgaudit-lint, written to docs/performance.md.
//!
//! 1. `check --format json` on ../shared/corpus next to the parse floor measured in the same
//!    run (read + split + bare `pg_query::parse` of every statement, one thread);
//! 2. 1,000, 5,000 and 10,000 generated migration files: wall time and peak memory;
//! 3. `--since HEAD` with one changed file in a generated 1,000-file git project;
//! 4. `live` on a generated database with 2,000 tables and 10,000 policies.
//!
//! Every number is the median of several runs. This is a benchmark, not a test: it asserts
//! nothing, it measures and reports.

#[path = "../tests/support/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pgaudit-lint");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

/// Wall time and peak resident memory (KiB) of one run, through GNU time.
fn timed(args: &[&str], dir: &Path) -> (Duration, u64) {
    let start = Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("GNU time (apt-get install time)");
    let elapsed = start.elapsed();
    assert!(
        output.status.code().is_some_and(|code| code <= 1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak = stderr
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or(0);
    (elapsed, peak)
}

fn runs(count: usize, args: &[&str], dir: &Path) -> (Duration, u64) {
    let results: Vec<(Duration, u64)> = (0..count).map(|_| timed(args, dir)).collect();
    let peak = results.iter().map(|(_, peak)| *peak).max().unwrap_or(0);
    (
        median(results.into_iter().map(|(time, _)| time).collect()),
        peak,
    )
}

/// The floor: read, split with pg_query's scanner and parse with `pg_query::parse`, one thread.
fn parse_floor(dir: &Path) -> Duration {
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| {
            entry.file_type().is_file() && entry.path().extension().is_some_and(|ext| ext == "sql")
        })
        .map(|entry| entry.into_path())
        .collect();
    paths.sort();
    let start = Instant::now();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes).replace('\0', " ");
        for piece in pg_query::split_with_scanner(&text).unwrap_or_default() {
            let _ = std::hint::black_box(pg_query::parse(piece, 0));
        }
    }
    start.elapsed()
}

fn generate(count: usize, dir: &Path, policies: usize) {
    let status = Command::new("python3")
        .arg(root().join("scripts/generate_migrations.py"))
        .arg(count.to_string())
        .arg(dir)
        .arg(policies.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .output()
        .unwrap()
        .status;
    assert!(status.success(), "git {args:?}");
}

fn shell(command: &str) -> String {
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}

fn main() {
    let mut rows: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let work = tempfile::tempdir().unwrap();

    // 1. The corpus against the parse floor.
    let corpus = root().join("../shared/corpus");
    if corpus.is_dir() {
        let corpus_arg = corpus.to_str().unwrap();
        // Interleaved rounds, so drifting load on a shared machine hits all three alike.
        let args = [
            "check",
            corpus_arg,
            "--format",
            "json",
            "--fail-on",
            "never",
        ];
        let one_thread = [&args[..], &["--jobs", "1"]].concat();
        let (mut floors, mut checks, mut ones, mut peak) = (Vec::new(), Vec::new(), Vec::new(), 0);
        for _ in 0..7 {
            floors.push(parse_floor(&corpus));
            let (time, memory) = timed(&args, &root());
            checks.push(time);
            peak = peak.max(memory);
            ones.push(timed(&one_thread, &root()).0);
        }
        let (floor, check, check_one) = (median(floors), median(checks), median(ones));
        rows.push(format!(
            "| 1 | `check --format json` on ../shared/corpus (2,782 files, 11.9 MB), all cores | {} | {} MiB | ≤ the parse floor | {} |",
            ms(check),
            peak / 1024,
            verdict(check <= floor)
        ));
        rows.push(format!(
            "| 1 | the same with `--jobs 1` | {} | | | |",
            ms(check_one)
        ));
        rows.push(format!(
            "| 1 | parse floor: read + `split_with_scanner` + bare `pg_query::parse`, one thread | {} | | | |",
            ms(floor)
        ));
    } else {
        notes.push("Case 1 not measured: ../shared/corpus is not here.".to_owned());
    }

    // 2. Scaling with generated projects.
    let mut per_file = Vec::new();
    for count in [1_000usize, 5_000, 10_000] {
        let dir = work.path().join(format!("gen{count}"));
        generate(count, &dir, 5);
        let (time, peak) = runs(
            3,
            &[
                "check",
                dir.to_str().unwrap(),
                "--format",
                "json",
                "--fail-on",
                "never",
            ],
            &root(),
        );
        per_file.push(time.as_secs_f64() / count as f64);
        let met = if count == 10_000 {
            verdict(peak < 1024 * 1024)
        } else {
            ""
        };
        rows.push(format!(
            "| 2 | {count} generated migration files (5 policies, 2 indexes, a trigger per table) | {} | {} MiB | linear; < 1 GiB at 10,000 | {met} |",
            ms(time),
            peak / 1024
        ));
    }
    let growth = per_file[per_file.len() - 1] / per_file[0];
    notes.push(format!(
        "Case 2: the time per file at 10,000 files is {growth:.2}× the time per file at 1,000 (1.00 is perfectly linear)."
    ));

    // 3. --since with one changed file in a 1,000-file project.
    let project = work.path().join("since");
    let migrations = project.join("supabase/migrations");
    generate(1_000, &migrations, 5);
    git(&project, &["init", "-q"]);
    git(&project, &["add", "."]);
    git(&project, &["commit", "-q", "-m", "base"]);
    let changed = migrations.join("20240101000500_table_00500.sql");
    let mut text = std::fs::read_to_string(&changed).unwrap();
    text.push_str("create index t00500_name_idx on public.t00500 (name);\n");
    std::fs::write(&changed, text).unwrap();
    let (since, _) = runs(
        7,
        &[
            "check",
            "--since",
            "HEAD",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        &project,
    );
    rows.push(format!(
        "| 3 | `check --since HEAD`, one changed file in a 1,000-file git project | {} | | < 300 ms | {} |",
        ms(since),
        verdict(since < Duration::from_millis(300))
    ));

    // 4. live on 2,000 tables and 10,000 policies.
    let server = pg::Server::start();
    let url = server.create_database("bench");
    pg::execute(
        &url,
        &std::fs::read_to_string(root().join("tests/support/supabase_stub.sql")).unwrap(),
    );
    let live_dir = work.path().join("live");
    generate(2_001, &live_dir, 5);
    // In batches: one transaction for 2,000 tables runs out of lock slots.
    for batch in pg::sql_files(&live_dir).chunks(100) {
        let sql: String = batch
            .iter()
            .map(|file| std::fs::read_to_string(file).unwrap())
            .collect();
        pg::execute(&url, &sql);
    }
    let (live, peak) = runs(
        5,
        &[
            "live",
            "--db-url",
            &url,
            live_dir.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        &root(),
    );
    let config = pgaudit_lint::config::Config::default();
    let audit = pgaudit_lint::live::audit(Some(&url), &[], &config, false).unwrap();
    rows.push(format!(
        "| 4 | `live` on 2,000 tables and 10,000 policies, with drift against the 2,001 files | {} | {} MiB | < 3 s, a constant number of queries ({}) | {} |",
        ms(live),
        peak / 1024,
        audit.queries,
        verdict(live < Duration::from_secs(3))
    ));
    drop(server);

    let cpu = shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2");
    let memory = shell("free -g | awk '/Mem:/ {print $2}'");
    let commit = shell("git rev-parse --short HEAD");
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let notes = notes
        .iter()
        .map(|note| format!("- {note}"))
        .collect::<Vec<_>>()
        .join("\n");
    let page = format!(
        "# Performance\n\n\
Measured by `make bench` (`benches/bench.rs`) on{cpu}, {cores} cores, {memory} GiB of memory, at commit `{commit}`, \
release build. Times are medians of several runs, end to end (process start to exit); memory is the peak resident \
set of the process.\n\n\
| case | what | time | peak memory | target | |\n|---|---|---|---|---|---|\n{}\n\n{notes}\n\n\
## How it gets there\n\n\
- Files are read and parsed in parallel, 64 at a time, while the previous 64 are folded into the model in order; \
each statement's tree is consumed by the fold (the few subtrees the model keeps are moved into it), so memory follows \
the model, not the input.\n\
- Statements are parsed through libpg_query's protobuf API directly, which also keeps the parser's error position; \
`pg_query::parse` additionally walks every tree to list its tables and functions, work the floor pays and pgaudit-lint \
does not.\n\
- The allocator is mimalloc: with glibc's, a fifth of a run went to malloc, free and page faults (perf).\n\
- Function bodies are parsed only for the functions policies call, the only ones rules look into.\n\
- Rules run in parallel over one shared model; live mode sends a fixed number of catalog queries in one snapshot.\n",
        rows.join("\n"),
    );
    // The analysis of the numbers is written by hand, beside this file.
    let analysis =
        std::fs::read_to_string(root().join("benches/performance-notes.md")).unwrap_or_default();
    let page = format!("{page}\n{analysis}");
    std::fs::write(root().join("docs/performance.md"), &page).unwrap();
    println!("{page}");
}
