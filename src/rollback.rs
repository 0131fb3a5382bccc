//! Rollback migrations: files and sections that undo a migration. They are parsed (a syntax
//! error in a rollback is still an error) but not folded into the schema model, or replaying
//! `0001_init.down.sql` after `0001_init.sql` would drop what the migration created.
//!
//! A rollback file matches a `rollback_pattern` shape (`{stem}.down.sql`,
//! `{stem}_rollback.sql`, `down/{name}` by default) or postgrator's `NNNN.undo.name.sql`. A
//! rollback section is what follows `-- +goose Down` (goose) or `-- migrate:down` (dbmate) in
//! a file, up to the next `-- +goose Up` / `-- migrate:up`.

use std::path::Path;

use crate::parse::ParsedFile;

/// Whether a file is a rollback by its path.
pub fn is_rollback_file(path: &str, patterns: &[String]) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.contains(".undo.") {
        return true;
    }
    patterns.iter().any(|pattern| {
        if let Some(suffix) = pattern.strip_prefix("{stem}") {
            name.ends_with(suffix) && name.len() > suffix.len()
        } else if let Some(folder) = pattern.strip_suffix("/{name}") {
            let parent = Path::new(path)
                .parent()
                .and_then(|parent| parent.file_name());
            parent.is_some_and(|parent| {
                parent.to_string_lossy() == folder.rsplit('/').next().unwrap_or(folder)
            })
        } else {
            false
        }
    })
}

/// The paths where a migration's rollback may be, by the patterns.
pub fn candidates(path: &str, patterns: &[String]) -> Vec<String> {
    let (folder, name) = match path.rsplit_once('/') {
        Some((folder, name)) => (format!("{folder}/"), name),
        None => (String::new(), path),
    };
    let stem = name.strip_suffix(".sql").unwrap_or(name);
    patterns
        .iter()
        .map(|pattern| {
            format!(
                "{folder}{}",
                pattern.replace("{stem}", stem).replace("{name}", name)
            )
        })
        .collect()
}

/// Marks rollback statements: all of a rollback file, or the goose/dbmate down sections.
pub fn mark(file: &mut ParsedFile, patterns: &[String]) {
    if is_rollback_file(&file.source.path, patterns) {
        file.statements
            .iter_mut()
            .for_each(|statement| statement.rollback = true);
        return;
    }
    let mut switches: Vec<(usize, bool)> = Vec::new();
    for comment in &file.comments {
        let text = file.source.text[comment.start..comment.end]
            .trim_start_matches(['-', '/', '*', ' '])
            .trim();
        match text {
            "+goose Down" | "migrate:down" => switches.push((comment.start, true)),
            "+goose Up" | "migrate:up" => switches.push((comment.start, false)),
            _ => {}
        }
    }
    if switches.is_empty() {
        return;
    }
    for statement in &mut file.statements {
        let last = switches
            .iter()
            .rev()
            .find(|(offset, _)| *offset < statement.span.start);
        statement.rollback = last.is_some_and(|(_, down)| *down);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns() -> Vec<String> {
        crate::config::Config::default().rollback_pattern
    }

    #[test]
    fn rollback_files_by_path() {
        assert!(is_rollback_file("db/0001_init.down.sql", &patterns()));
        assert!(is_rollback_file("db/0001_init_rollback.sql", &patterns()));
        assert!(is_rollback_file("db/down/0001_init.sql", &patterns()));
        assert!(is_rollback_file("db/0042.undo.grants.sql", &patterns()));
        assert!(!is_rollback_file("db/0001_init.sql", &patterns()));
        assert!(!is_rollback_file("db/0001_countdown.sql", &patterns()));
    }

    #[test]
    fn candidates_follow_patterns() {
        assert_eq!(
            candidates("db/0001_init.sql", &patterns()),
            [
                "db/0001_init.down.sql",
                "db/0001_init_rollback.sql",
                "db/down/0001_init.sql"
            ]
        );
    }

    #[test]
    fn goose_down_sections() {
        let text = "-- +goose Up\ncreate table t (id int);\n-- +goose Down\ndrop table t;\n";
        let mut files = crate::rules::testing::files(&[text]);
        mark(&mut files[0], &patterns());
        let flags: Vec<bool> = files[0].statements.iter().map(|s| s.rollback).collect();
        assert_eq!(flags, [false, true]);
    }
}
