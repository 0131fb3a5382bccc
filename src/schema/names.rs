//! Qualified names, identifier quoting and type names.
//!
//! The Postgres parser already folds unquoted identifiers to lower case and keeps quoted ones
//! as written, so names from parse trees are compared as they are.

use std::borrow::Cow;
use std::fmt;

use pg_query::NodeEnum;
use pg_query::protobuf::{Node, TypeName};

/// `schema.name` of a relation, function, index or other schema object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualName {
    pub schema: String,
    pub name: String,
}

impl QualName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// Whether this is `schema.name` (compared exactly).
    pub fn is(&self, schema: &str, name: &str) -> bool {
        self.schema == schema && self.name == name
    }

    /// Parses `schema.name` or `name` (defaulting to `default_schema`), folding unquoted parts.
    pub fn parse(text: &str, default_schema: &str) -> Self {
        let parts = split_qualified(text);
        match parts.as_slice() {
            [schema, name] => QualName::new(schema.clone(), name.clone()),
            [name] => QualName::new(default_schema, name.clone()),
            _ => QualName::new(default_schema, text),
        }
    }
}

impl serde::Serialize for QualName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.name)
        )
    }
}

/// Splits `a."B".c` into folded parts.
pub fn split_qualified(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.trim().chars().peekable();
    let mut quoted_part = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted_part = true;
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            current.push('"');
                        } else {
                            break;
                        }
                    } else {
                        current.push(c);
                    }
                }
            }
            '.' => {
                parts.push(std::mem::take(&mut current));
                quoted_part = false;
            }
            c if quoted_part => current.push(c),
            c => current.extend(c.to_lowercase()),
        }
    }
    parts.push(current);
    parts
}

/// Quotes an identifier when Postgres would need it: anything but lower-case letters, digits
/// and underscores, or a leading digit.
pub fn quote_ident(name: &str) -> Cow<'_, str> {
    let plain = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("\"{}\"", name.replace('"', "\"\"")))
    }
}

/// Whether a name is lower snake_case (needs no quoting).
pub fn is_snake_case(name: &str) -> bool {
    matches!(quote_ident(name), Cow::Borrowed(_))
}

/// The lower snake_case form of a name: `ChatMessage` -> `chat_message`, `HTTPRequest` ->
/// `http_request`, `userId` -> `user_id`, `Order Items` -> `order_items`.
pub fn to_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (index, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let previous = index.checked_sub(1).map(|i| chars[i]);
            let next = chars.get(index + 1).copied();
            let boundary = previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (previous.is_some_and(char::is_uppercase)
                    && next.is_some_and(char::is_lowercase));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// The English plural of a snake_case name's last word: `chat_message` -> `chat_messages`,
/// `category` -> `categories`, `address` -> `addresses`.
pub fn pluralize(name: &str) -> String {
    let vowel_y = ["ay", "ey", "iy", "oy", "uy"]
        .iter()
        .any(|end| name.ends_with(end));
    let consonant_y = name.ends_with('y') && !vowel_y;
    if consonant_y {
        format!("{}ies", &name[..name.len() - 1])
    } else if name.ends_with('s')
        || name.ends_with('x')
        || name.ends_with('z')
        || name.ends_with("ch")
        || name.ends_with("sh")
    {
        format!("{name}es")
    } else {
        format!("{name}s")
    }
}

/// The string values of a list of `String` nodes, e.g. a qualified name's parts.
pub fn string_parts(nodes: &[Node]) -> Vec<&str> {
    nodes
        .iter()
        .filter_map(|node| match node.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect()
}

/// A type name as Postgres prints it in signatures: `pg_catalog.` dropped, array bounds kept,
/// typmods dropped (they do not distinguish function signatures).
pub fn type_name(type_name: &TypeName) -> String {
    let parts = string_parts(&type_name.names);
    let parts: Vec<&str> = match parts.as_slice() {
        ["pg_catalog", rest @ ..] => rest.to_vec(),
        _ => parts,
    };
    let mut name = canonical_type(&parts.join(".")).to_owned();
    if type_name.setof {
        name.insert_str(0, "setof ");
    }
    for _ in &type_name.array_bounds {
        name.push_str("[]");
    }
    name
}

/// A type as the catalog prints it (`format_type`), in the form [`type_name`] gives: aliases
/// mapped, `public.` and `pg_catalog.` dropped, array brackets kept.
pub fn catalog_type(text: &str) -> String {
    let (base, arrays) = match text.find("[]") {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    };
    let base = base
        .strip_prefix("pg_catalog.")
        .or_else(|| base.strip_prefix("public."))
        .unwrap_or(base);
    format!("{}{arrays}", canonical_type(base.trim_matches('"')))
}

/// Maps type aliases to the catalog's names (`int` and `integer` are both `int4`).
pub fn canonical_type(name: &str) -> &str {
    match name {
        "int" | "integer" => "int4",
        "bigint" => "int8",
        "smallint" => "int2",
        "boolean" => "bool",
        "real" => "float4",
        "double precision" | "float" => "float8",
        "decimal" => "numeric",
        "character varying" => "varchar",
        "character" | "char" => "bpchar",
        "timestamp with time zone" => "timestamptz",
        "timestamp without time zone" => "timestamp",
        "time with time zone" => "timetz",
        "time without time zone" => "time",
        "serial" | "serial4" => "int4",
        "bigserial" | "serial8" => "int8",
        "smallserial" | "serial2" => "int2",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_display() {
        assert_eq!(
            QualName::new("public", "customers").to_string(),
            "public.customers"
        );
        assert_eq!(
            QualName::new("public", "ChatMessage").to_string(),
            "public.\"ChatMessage\""
        );
        assert_eq!(quote_ident("policy name"), "\"policy name\"");
        assert!(is_snake_case("chat_messages"));
        assert!(!is_snake_case("ChatMessage"));
    }

    #[test]
    fn snake_case_and_plurals() {
        assert_eq!(to_snake_case("ChatMessage"), "chat_message");
        assert_eq!(to_snake_case("HTTPRequest"), "http_request");
        assert_eq!(to_snake_case("userId"), "user_id");
        assert_eq!(to_snake_case("Order Items"), "order_items");
        assert_eq!(to_snake_case("already_snake"), "already_snake");
        assert_eq!(pluralize("chat_message"), "chat_messages");
        assert_eq!(pluralize("category"), "categories");
        assert_eq!(pluralize("day"), "days");
        assert_eq!(pluralize("address"), "addresses");
    }

    #[test]
    fn split_qualified_folds_unquoted_parts() {
        assert_eq!(
            split_qualified("Public.\"Chat\"\"X\""),
            ["public", "Chat\"X"]
        );
        assert_eq!(
            QualName::parse("Get_Tenant", "public"),
            QualName::new("public", "get_tenant")
        );
    }
}
