//! Output is byte-identical whatever the thread count and the order rules run in: a property
//! test over pseudo-random permutations of both.

use std::path::PathBuf;

use pgaudit_lint::config::Config;
use pgaudit_lint::engine::Linter;
use pgaudit_lint::parse::parse_file;
use pgaudit_lint::report::{self, ReportInput};
use pgaudit_lint::rules::{self, Rule};
use pgaudit_lint::source;

/// xorshift64: a deterministic stream, so a failure reproduces.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn inputs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![
        root.join("examples/insecure-saas/supabase/migrations"),
        root.join("tests/fixtures"),
    ];
    let corpus = root.join("../shared/corpus/tutur3u__platform");
    if corpus.is_dir() {
        paths.push(corpus);
    } else {
        println!("determinism: ../shared/corpus not found; using the examples and fixtures only");
    }
    paths
}

fn render(jobs: usize, order: Vec<&'static dyn Rule>, paths: &[PathBuf]) -> (String, String) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .unwrap();
    pool.install(|| {
        let config = Config::default();
        let found = source::discover(paths).unwrap();
        let mut files: Vec<_> = found
            .iter()
            .enumerate()
            .map(|(index, path)| parse_file(source::read_file(index as u32, path).unwrap()))
            .collect();
        let mut linter = Linter::with_rules(&config, order);
        for file in files.iter_mut() {
            linter.add_file(file);
        }
        let (_, outcome) = linter.finish(&files);
        let input = ReportInput::new(&files, &outcome.diagnostics, outcome.suppressed);
        (report::json::render(&input), report::sarif::render(&input))
    })
}

#[test]
fn any_thread_count_and_rule_order_gives_identical_output() {
    let paths = inputs();
    let baseline = render(1, rules::all().to_vec(), &paths);
    assert!(baseline.0.contains("\"diagnostics\""));
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    for _ in 0..6 {
        let jobs = 1 + (random.next() % 6) as usize;
        let mut order = rules::all().to_vec();
        for index in (1..order.len()).rev() {
            order.swap(index, (random.next() % (index as u64 + 1)) as usize);
        }
        let names: Vec<&str> = order.iter().take(3).map(|rule| rule.meta().name).collect();
        let output = render(jobs, order, &paths);
        assert!(
            output.0 == baseline.0,
            "JSON differs with {jobs} threads, rules starting {names:?}"
        );
        assert!(
            output.1 == baseline.1,
            "SARIF differs with {jobs} threads, rules starting {names:?}"
        );
    }
}
