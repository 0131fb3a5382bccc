//! Function bodies: what they read and call. `LANGUAGE sql` bodies (text or `BEGIN ATOMIC`)
//! are parsed with the Postgres parser; `LANGUAGE plpgsql` bodies are read with pg_query's
//! PL/pgSQL parser and every SQL statement and expression inside them parsed in turn. Bodies
//! are analysed in parallel once the model is complete.

use pg_query::NodeRef;
use pg_query::protobuf::Node;
use rayon::prelude::*;

use crate::ast;
use crate::schema::names::string_parts;
use crate::schema::{BodyAnalysis, Function, FunctionBody, Model, QualName};

/// Fills in `analysis` for the live functions that policies call (the only ones rules look
/// into: parsing every body of a large project would cost as much as parsing its migrations).
pub fn analyze(model: &mut Model) {
    let mut called: std::collections::HashSet<QualName> = std::collections::HashSet::new();
    for (_, relation) in model.live_relations() {
        for policy in &relation.policies {
            for expr in [policy.using.as_ref(), policy.with_check.as_ref()]
                .into_iter()
                .flatten()
            {
                ast::walk(&expr.tree(), |visit| {
                    if let NodeRef::FuncCall(call) = visit.node {
                        called.insert(crate::rules::policy::resolve_call(call));
                    }
                });
            }
        }
    }
    let analyses: Vec<(usize, BodyAnalysis)> = model
        .functions
        .par_iter()
        .enumerate()
        .filter(|(_, function)| {
            !function.dropped && function.body.is_some() && called.contains(&function.name)
        })
        .map(|(id, function)| (id, analyze_function(function, model)))
        .collect();
    for (id, analysis) in analyses {
        model.functions[id].analysis = analysis;
    }
}

fn analyze_function(function: &Function, model: &Model) -> BodyAnalysis {
    let mut trees: Vec<Node> = Vec::new();
    let mut borrowed: Vec<&Node> = Vec::new();
    match &function.body {
        Some(FunctionBody::Parsed(expr)) => trees.push(expr.tree()),
        Some(FunctionBody::Text(text)) => match function.language.as_str() {
            "sql" => trees.extend(parse_sql(text).unwrap_or_default()),
            "plpgsql" => {
                for query in plpgsql_queries(function, text) {
                    trees.extend(
                        parse_sql(&query)
                            .or_else(|| parse_sql(&format!("select {query}")))
                            .unwrap_or_default(),
                    );
                }
            }
            _ => {}
        },
        None => {}
    }
    borrowed.extend(trees.iter());
    let search_path = search_path(function);
    let mut analysis = BodyAnalysis::default();
    for tree in borrowed {
        for range in ast::relations_read(tree) {
            let name = if range.schemaname.is_empty() {
                let Some(schema) = search_path
                    .iter()
                    .find(|schema| {
                        model
                            .relation(&QualName::new(schema.as_str(), range.relname.as_str()))
                            .is_some()
                    })
                    .or(search_path.first())
                else {
                    continue;
                };
                QualName::new(schema.as_str(), range.relname.as_str())
            } else {
                QualName::new(range.schemaname.as_str(), range.relname.as_str())
            };
            if !analysis.reads.contains(&name) {
                analysis.reads.push(name);
            }
        }
        ast::walk(tree, |visit| {
            if let NodeRef::FuncCall(call) = visit.node {
                let name =
                    crate::rules::policy::resolve_function_name(&string_parts(&call.funcname));
                if !analysis.calls.contains(&name) {
                    analysis.calls.push(name);
                }
            }
        });
    }
    analysis.reads.sort();
    analysis.calls.sort();
    analysis
}

/// The schemas unqualified names resolve to: the function's `SET search_path`, else `public`.
/// An empty search path (`''`) resolves no table.
fn search_path(function: &Function) -> Vec<String> {
    match function.config.get("search_path") {
        Some(value) => value
            .split(',')
            .map(|schema| schema.trim().trim_matches('"').to_owned())
            .filter(|schema| !schema.is_empty() && schema != "$user" && schema != "pg_temp")
            .collect(),
        None => vec!["public".to_owned()],
    }
}

/// Every statement of a SQL text, as trees (`None` when it does not parse).
fn parse_sql(text: &str) -> Option<Vec<Node>> {
    let result = crate::parse::ffi::parse(text).ok()?;
    Some(
        result
            .stmts
            .into_iter()
            .filter_map(|raw| raw.stmt.map(|node| *node))
            .collect(),
    )
}

/// The SQL text of every statement and expression of a PL/pgSQL body.
fn plpgsql_queries(function: &Function, body: &str) -> Vec<String> {
    let mut tag = String::from("$pgaudit$");
    while body.contains(&tag) {
        tag.insert(1, 'x');
    }
    let returns = if function.returns.is_empty() {
        "void"
    } else {
        function.returns.as_str()
    };
    let source = format!(
        "create function pgaudit_body() returns {returns} language plpgsql as {tag}{body}{tag}"
    );
    let Ok(json) = pg_query::parse_plpgsql(&source) else {
        return Vec::new();
    };
    let mut queries = Vec::new();
    let mut stack = vec![&json];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(query)) = map.get("query") {
                    queries.push(query.clone());
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    queries
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::files;
    use crate::schema::QualName;
    use crate::schema::fold::build_model;

    fn analysis(sql: &str) -> crate::schema::BodyAnalysis {
        // Only functions a policy calls are analysed.
        let sql = format!("{sql}\ncreate table t (id int); create policy p on t using (f());");
        let mut files = files(&[&sql]);
        let mut model = build_model(&mut files);
        super::analyze(&mut model);
        model.functions[0].analysis.clone()
    }

    #[test]
    fn sql_bodies_text_and_atomic() {
        let found = analysis(
            "create function f() returns bool language sql as $$ select exists (select 1 from profiles where id = auth.uid()) $$;",
        );
        assert_eq!(found.reads, [QualName::new("public", "profiles")]);
        assert!(found.calls.contains(&QualName::new("auth", "uid")));
        let found = analysis(
            "create function f() returns bool language sql begin atomic select exists (select 1 from app.members); end;",
        );
        assert_eq!(found.reads, [QualName::new("app", "members")]);
    }

    #[test]
    fn plpgsql_statements_and_expressions() {
        let found = analysis(
            "create function f() returns bool language plpgsql set search_path = app as $$
             declare n int;
             begin
               select count(*) into n from members where user_id = auth.uid();
               if n > (select 0 from private.limits) then return true; end if;
               return false;
             end $$;",
        );
        assert_eq!(
            found.reads,
            [
                QualName::new("app", "members"),
                QualName::new("private", "limits")
            ]
        );
        assert!(found.calls.contains(&QualName::new("auth", "uid")));
    }
}
