//! `pgaudit-lint.toml`: rule levels by rule and by category, and the name lists rules use.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::Spanned;

use crate::error::{UsageError, did_you_mean};
use crate::rules::{self, Category, Level};
use crate::schema::QualName;

pub const FILE_NAME: &str = "pgaudit-lint.toml";

/// Settings after defaults and the config file are merged.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    pub exposed_schemas: Vec<String>,
    pub tenant_columns: Vec<String>,
    pub owner_columns: Vec<String>,
    pub soft_delete_columns: Vec<String>,
    /// Extra auth functions, beyond `auth.uid()`, `auth.jwt()`, `auth.role()`,
    /// `auth.email()` and `current_setting()`.
    pub auth_functions: Vec<QualName>,
    pub tenant_functions: Vec<QualName>,
    /// Privileged roles: `service_role`, `postgres`, `supabase_admin` and any configured.
    pub privileged_roles: Vec<String>,
    pub migrations: Option<String>,
    pub history_table: String,
    pub rollback_pattern: Vec<String>,
    /// Schemas live mode neither reads nor compares (Postgres's and Supabase's own).
    pub excluded_schemas: Vec<String>,
    /// Level of every rule by name, after defaults, categories and rule settings.
    #[serde(skip)]
    levels: HashMap<&'static str, Level>,
    /// The file the settings came from.
    pub path: Option<PathBuf>,
}

const KEYS: &[&str] = &[
    "exposed_schemas",
    "tenant_columns",
    "owner_columns",
    "soft_delete_columns",
    "auth_functions",
    "tenant_functions",
    "privileged_roles",
    "migrations",
    "history_table",
    "rollback_pattern",
    "excluded_schemas",
    "rules",
];

impl Default for Config {
    fn default() -> Self {
        let strings = |names: &[&str]| {
            names
                .iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>()
        };
        Config {
            exposed_schemas: strings(&["public"]),
            tenant_columns: strings(&[
                "organization_id",
                "org_id",
                "tenant_id",
                "account_id",
                "workspace_id",
                "team_id",
            ]),
            owner_columns: strings(&["user_id", "owner_id", "created_by", "author_id"]),
            soft_delete_columns: strings(&["deleted_at", "is_deleted"]),
            auth_functions: Vec::new(),
            tenant_functions: Vec::new(),
            privileged_roles: strings(&["service_role", "postgres", "supabase_admin"]),
            migrations: None,
            history_table: "supabase_migrations.schema_migrations".to_owned(),
            rollback_pattern: strings(&["{stem}.down.sql", "{stem}_rollback.sql", "down/{name}"]),
            excluded_schemas: strings(crate::live::catalog::EXCLUDED_SCHEMAS),
            levels: rules::all()
                .iter()
                .map(|rule| (rule.meta().name, rule.meta().level))
                .collect(),
            path: None,
        }
    }
}

impl Config {
    /// The configured level of a rule (its default when not configured).
    pub fn level(&self, rule: &str) -> Level {
        self.levels.get(rule).copied().unwrap_or(Level::Off)
    }

    /// Sets one rule's level (used by `--enable`-style callers and tests).
    pub fn set_level(&mut self, rule: &'static str, level: Level) {
        self.levels.insert(rule, level);
    }

    pub fn is_exposed(&self, schema: &str) -> bool {
        self.exposed_schemas.iter().any(|exposed| exposed == schema)
    }

    pub fn is_privileged(&self, role: &str) -> bool {
        self.privileged_roles
            .iter()
            .any(|privileged| privileged == role)
    }

    /// Loads `explicit`, else the nearest `pgaudit-lint.toml` from the working directory up,
    /// else defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, UsageError> {
        let path = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => find_upwards(),
        };
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(&path).map_err(|error| {
            UsageError::new(format!("cannot read config {}: {error}", path.display()))
        })?;
        let mut config = Config::from_toml(&text, &path.display().to_string())?;
        config.path = Some(path);
        Ok(config)
    }

    /// Parses config text; errors name the file, the line and the nearest valid name.
    pub fn from_toml(text: &str, file: &str) -> Result<Config, UsageError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let error_at = |offset: usize, message: String| {
            UsageError::new(format!("{file}:{}: {message}", line_of(offset)))
        };
        let table: BTreeMap<Spanned<String>, Spanned<toml::Value>> =
            toml::from_str(text).map_err(|error| {
                let line = error
                    .span()
                    .map(|span| format!(":{}", line_of(span.start)))
                    .unwrap_or_default();
                UsageError::new(format!(
                    "{file}{line}: invalid TOML: {}",
                    error.message().trim()
                ))
            })?;
        let mut config = Config::default();
        for (key, value) in &table {
            let at = key.span().start;
            let strings = || {
                string_list(value.as_ref()).ok_or_else(|| {
                    error_at(at, format!("`{}` must be a list of strings", key.as_ref()))
                })
            };
            let string = || match value.as_ref() {
                toml::Value::String(s) => Ok(s.clone()),
                _ => Err(error_at(at, format!("`{}` must be a string", key.as_ref()))),
            };
            match key.as_ref().as_str() {
                "exposed_schemas" => config.exposed_schemas = strings()?,
                "tenant_columns" => config.tenant_columns = strings()?,
                "owner_columns" => config.owner_columns = strings()?,
                "soft_delete_columns" => config.soft_delete_columns = strings()?,
                "auth_functions" => {
                    config.auth_functions = strings()?
                        .iter()
                        .map(|f| QualName::parse(f, "public"))
                        .collect()
                }
                "tenant_functions" => {
                    config.tenant_functions = strings()?
                        .iter()
                        .map(|f| QualName::parse(f, "public"))
                        .collect()
                }
                "privileged_roles" => config.privileged_roles.extend(strings()?),
                "migrations" => config.migrations = Some(string()?),
                "history_table" => config.history_table = string()?,
                "excluded_schemas" => config.excluded_schemas = strings()?,
                "rollback_pattern" => {
                    config.rollback_pattern = match value.as_ref() {
                        toml::Value::String(pattern) => vec![pattern.clone()],
                        _ => strings()?,
                    }
                }
                "rules" => {}
                unknown => {
                    return Err(error_at(
                        at,
                        format!(
                            "unknown key `{unknown}`{}",
                            did_you_mean(unknown, KEYS.iter().copied())
                        ),
                    ));
                }
            }
        }
        #[derive(serde::Deserialize)]
        struct RulesSection {
            rules: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
        }
        let section: RulesSection =
            toml::from_str(text).map_err(|error| UsageError::new(format!("{file}: {error}")))?;
        let settings = section.rules.unwrap_or_default();
        // Categories first, so a rule's own setting wins over its category's.
        let mut ordered: Vec<_> = settings.iter().collect();
        ordered.sort_by_key(|(name, _)| Category::from_name(name.as_ref()).is_none());
        for (name, value) in ordered {
            let at = name.span().start;
            let level = match value.as_ref() {
                toml::Value::String(level) => Level::from_name(level).ok_or_else(|| {
                    let levels = ["off", "info", "warning", "error"];
                    error_at(
                        value.span().start,
                        format!(
                            "unknown level `{level}` for `{}`{}",
                            name.as_ref(),
                            did_you_mean(level, levels)
                        ),
                    )
                })?,
                _ => {
                    return Err(error_at(
                        at,
                        format!(
                            "the level of `{}` must be a string: off, info, warning or error",
                            name.as_ref()
                        ),
                    ));
                }
            };
            if let Some(category) = Category::from_name(name.as_ref()) {
                for rule in rules::all()
                    .iter()
                    .filter(|rule| rule.meta().category == category)
                {
                    config.levels.insert(rule.meta().name, level);
                }
            } else if let Some(rule) = rules::find(name.as_ref()) {
                config.levels.insert(rule.meta().name, level);
            } else {
                let candidates = rules::all()
                    .iter()
                    .map(|rule| rule.meta().name)
                    .chain(Category::ALL.iter().map(|c| c.name()));
                return Err(error_at(
                    at,
                    format!(
                        "unknown rule or category `{}`{}",
                        name.as_ref(),
                        did_you_mean(name.as_ref(), candidates)
                    ),
                ));
            }
        }
        Ok(config)
    }
}

fn string_list(value: &toml::Value) -> Option<Vec<String>> {
    match value {
        toml::Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

fn find_upwards() -> Option<PathBuf> {
    let mut directory = std::env::current_dir().ok()?;
    loop {
        let candidate = directory.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !directory.pop() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_by_category_then_rule() {
        let config = Config::from_toml(
            "tenant_columns = [\"org\"]\n[rules]\n\"unindexed-foreign-key\" = \"error\"\nperformance = \"info\"\n",
            "x.toml",
        )
        .unwrap();
        assert_eq!(config.tenant_columns, ["org"]);
        assert_eq!(config.level("unindexed-foreign-key"), Level::Error);
        assert_eq!(config.level("auth-function-not-wrapped"), Level::Info);
        assert_eq!(config.level("rls-disabled"), Level::Error);
    }

    #[test]
    fn errors_name_file_line_and_nearest_name() {
        let error = Config::from_toml(
            "exposed_schemas = [\"public\"]\ntenant_column = []\n",
            "p.toml",
        )
        .unwrap_err();
        assert_eq!(
            error.message,
            "p.toml:2: unknown key `tenant_column`; did you mean `tenant_columns`?"
        );
        let error =
            Config::from_toml("[rules]\n\"rls-disable\" = \"off\"\n", "p.toml").unwrap_err();
        assert_eq!(
            error.message,
            "p.toml:2: unknown rule or category `rls-disable`; did you mean `rls-disabled`?"
        );
        let error =
            Config::from_toml("[rules]\n\"rls-disabled\" = \"warn\"\n", "p.toml").unwrap_err();
        assert_eq!(
            error.message,
            "p.toml:2: unknown level `warn` for `rls-disabled`; did you mean `warning`?"
        );
        let error = Config::from_toml("tenant_columns = \"org_id\"\n", "p.toml").unwrap_err();
        assert_eq!(
            error.message,
            "p.toml:1: `tenant_columns` must be a list of strings"
        );
        let error = Config::from_toml("tenant_columns = [\n", "p.toml").unwrap_err();
        assert!(error.message.starts_with("p.toml:"), "{}", error.message);
        assert!(error.message.contains("invalid TOML"), "{}", error.message);
    }
}
