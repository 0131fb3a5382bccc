//! Policy analysis shared by the policy rules: auth function calls and whether they are
//! wrapped in a sub-select.

use pg_query::NodeRef;
use pg_query::protobuf::FuncCall;

use crate::ast;
use crate::config::Config;
use crate::schema::Expr;

/// The built-in auth functions: Supabase's helpers and `current_setting`.
const AUTH_FUNCTIONS: &[(&str, &str)] = &[
    ("auth", "uid"),
    ("auth", "jwt"),
    ("auth", "role"),
    ("auth", "email"),
    ("pg_catalog", "current_setting"),
];

/// Whether a call is an auth function: `auth.uid()`, `auth.jwt()`, `auth.role()`,
/// `auth.email()`, `current_setting(...)`, or one of `auth_functions` in the config.
/// Unqualified names resolve through `public` and `pg_catalog`, the default search path.
pub fn is_auth_function(call: &FuncCall, config: &Config) -> bool {
    let parts = ast::func_name(call);
    let (schema, name) = match parts.as_slice() {
        [.., schema, name] => (Some(*schema), *name),
        [name] => (None, *name),
        [] => return false,
    };
    let matches = |wanted_schema: &str, wanted_name: &str| {
        wanted_name == name
            && match schema {
                Some(schema) => schema == wanted_schema,
                None => wanted_schema == "pg_catalog" || wanted_schema == "public",
            }
    };
    AUTH_FUNCTIONS
        .iter()
        .any(|(schema, name)| matches(schema, name))
        || config
            .auth_functions
            .iter()
            .any(|function| matches(&function.schema, &function.name))
}

/// The first (in source order) auth function call not inside a sub-select.
pub fn first_unwrapped_auth_call<'e>(expr: &'e Expr, config: &Config) -> Option<&'e FuncCall> {
    let mut found: Option<&'e FuncCall> = None;
    ast::walk(&expr.node, |visit| {
        if let NodeRef::FuncCall(call) = visit.node
            && visit.sublink_depth == 0
            && is_auth_function(call, config)
            && found.is_none_or(|first| call.location < first.location)
        {
            found = Some(call);
        }
    });
    found
}
