//! The rule reference in `rules/` is generated from the rules' doc comments; this fails when
//! it is stale. Regenerate with `make rule-docs`.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn rule_pages_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let generated = pgaudit_lint::rules::docs::generated_files();
    let mut stale = Vec::new();
    for (name, content) in &generated {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        if &on_disk != content {
            stale.push(name.clone());
        }
    }
    let expected: BTreeSet<String> = generated.iter().map(|(name, _)| name.clone()).collect();
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    let extra: Vec<_> = present.difference(&expected).collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "rules/ is stale: {stale:?}, not generated: {extra:?}; run `make rule-docs`"
    );
}
