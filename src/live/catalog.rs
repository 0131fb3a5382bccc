//! Reading the catalog: one query per object kind, in one `REPEATABLE READ READ ONLY`
//! transaction (a consistent snapshot that a hot-standby replica accepts), with
//! `search_path = ''` so that `pg_get_expr` and `pg_get_viewdef` qualify every user object.
//! Nothing is written and no temporary object is created.

use tokio_postgres::Client;

use crate::error::UsageError;
use crate::live::connect::describe_error;

pub const STATEMENT_TIMEOUT: &str = "30s";
pub const LOCK_TIMEOUT: &str = "5s";

/// Schemas never read: Postgres's own and Supabase's internal ones (splinter's list).
pub const EXCLUDED_SCHEMAS: &[&str] = &[
    "_analytics",
    "_realtime",
    "_supavisor",
    "_timescaledb_cache",
    "_timescaledb_catalog",
    "_timescaledb_config",
    "_timescaledb_internal",
    "auth",
    "cron",
    "extensions",
    "graphql",
    "graphql_public",
    "information_schema",
    "net",
    "pgbouncer",
    "pg_catalog",
    "pg_toast",
    "pgmq",
    "pgroonga",
    "pgsodium",
    "pgsodium_masks",
    "pgtle",
    "realtime",
    "repack",
    "storage",
    "supabase_functions",
    "supabase_migrations",
    "tiger",
    "tiger_data",
    "topology",
    "vault",
];

#[derive(Debug, Default)]
pub struct Catalog {
    pub server_version: i32,
    pub supabase: bool,
    pub relations: Vec<RelationRow>,
    pub columns: Vec<ColumnRow>,
    pub constraints: Vec<ConstraintRow>,
    pub indexes: Vec<IndexRow>,
    pub policies: Vec<PolicyRow>,
    pub functions: Vec<FunctionRow>,
    pub triggers: Vec<TriggerRow>,
    pub publications: Vec<PublicationRow>,
    pub grants: Vec<GrantRow>,
    /// Versions in the migration history table, when it exists.
    pub history: Option<Vec<String>>,
    /// Schemas that exist but this role cannot use (their objects are not read).
    pub unreadable_schemas: Vec<String>,
    /// How many queries were sent (a constant, checked by tests).
    pub queries: usize,
}

#[derive(Debug)]
pub struct RelationRow {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    pub kind: String,
    pub rls: bool,
    pub force_rls: bool,
    pub options: Vec<String>,
    pub parent: Option<i64>,
    pub view_definition: Option<String>,
}

#[derive(Debug)]
pub struct ColumnRow {
    pub relation: i64,
    pub name: String,
    pub type_name: String,
    pub not_null: bool,
    pub default: Option<String>,
}

#[derive(Debug)]
pub struct ConstraintRow {
    pub relation: i64,
    pub name: String,
    pub kind: String,
    pub columns: Vec<String>,
    pub references: Option<(String, String)>,
    pub referenced_columns: Vec<String>,
    pub on_delete: String,
    pub nulls_not_distinct: bool,
}

#[derive(Debug)]
pub struct IndexRow {
    pub relation: i64,
    pub name: String,
    pub method: String,
    pub unique: bool,
    pub nulls_not_distinct: bool,
    /// Per key: the column name, or `None` for an expression (whose text is in `key_defs`).
    pub key_columns: Vec<Option<String>>,
    pub key_defs: Vec<String>,
    pub include: Vec<String>,
    pub predicate: Option<String>,
    pub constraint: Option<String>,
}

#[derive(Debug)]
pub struct PolicyRow {
    pub relation: i64,
    pub name: String,
    pub command: String,
    pub permissive: bool,
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

#[derive(Debug)]
pub struct FunctionRow {
    pub schema: String,
    pub name: String,
    pub kind: String,
    pub language: String,
    pub security_definer: bool,
    pub config: Vec<String>,
    pub arg_types: Vec<String>,
    pub returns: String,
    pub body: String,
    pub execute: Vec<String>,
}

#[derive(Debug)]
pub struct TriggerRow {
    pub relation: i64,
    pub name: String,
    pub function_schema: String,
    pub function_name: String,
    pub kind: i32,
}

#[derive(Debug)]
pub struct PublicationRow {
    pub name: String,
    pub all_tables: bool,
    pub tables: Vec<(String, String)>,
    pub schemas: Vec<String>,
}

#[derive(Debug)]
pub struct GrantRow {
    pub relation: i64,
    pub grantee: String,
    pub privilege: String,
}

/// The relations read: user schemas, not extension members. `$1` is the excluded schemas.
const RELATIONS_CTE: &str = "with rels as (
    select c.oid, n.nspname, c.relname, c.relkind::text as relkind, c.relrowsecurity, c.relforcerowsecurity,
           c.reloptions, c.relispartition
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'm', 'f')
      and n.nspname <> all($1::text[]) and n.nspname !~ '^pg_'
      and pg_catalog.has_schema_privilege(n.oid, 'USAGE')
      and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_class'::regclass
                      and d.objid = c.oid and d.deptype = 'e'))";

/// Reads the whole catalog in one read-only snapshot.
pub async fn read(
    client: &Client,
    excluded: &[String],
    history_table: &str,
) -> Result<Catalog, UsageError> {
    let fail = |what: &str| {
        let what = what.to_owned();
        move |error: tokio_postgres::Error| {
            UsageError::new(format!("reading {what} failed: {}", describe_error(&error)))
        }
    };
    // PGAUDIT_LINT_STATEMENT_TIMEOUT overrides the timeout (a Postgres interval, e.g. `2min`).
    let timeout = std::env::var("PGAUDIT_LINT_STATEMENT_TIMEOUT")
        .ok()
        .filter(|value| {
            !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
        })
        .unwrap_or_else(|| STATEMENT_TIMEOUT.to_owned());
    client
        .batch_execute(&format!(
            "begin isolation level repeatable read read only;
             set local statement_timeout = '{timeout}';
             set local lock_timeout = '{LOCK_TIMEOUT}';
             set local search_path = '';"
        ))
        .await
        .map_err(fail("the catalog (starting the read-only transaction)"))?;
    let mut catalog = Catalog {
        queries: 1,
        ..Default::default()
    };
    let query = async |what: &str, sql: String, with_excluded: bool| {
        let rows = if with_excluded {
            client.query(&sql, &[&excluded]).await
        } else {
            client.query(&sql, &[]).await
        };
        rows.map_err(fail(what))
    };

    let rows = query(
        "the server",
        "select current_setting('server_version_num')::int4,
                exists (select 1 from pg_catalog.pg_namespace where nspname = 'auth')
                and exists (select 1 from pg_catalog.pg_roles where rolname = 'anon')
                and exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated'),
                array(select nspname::text from pg_catalog.pg_namespace n
                      where nspname <> all($1::text[]) and nspname !~ '^pg_'
                        and not pg_catalog.has_schema_privilege(n.oid, 'USAGE') order by 1)"
            .to_owned(),
        true,
    )
    .await?;
    catalog.server_version = rows[0].get(0);
    catalog.supabase = rows[0].get(1);
    catalog.unreadable_schemas = rows[0].get(2);

    let rows = query(
        "relations",
        format!(
            "{RELATIONS_CTE}
             select r.oid::int8, r.nspname::text, r.relname::text, r.relkind, r.relrowsecurity, r.relforcerowsecurity,
                    coalesce(r.reloptions, '{{}}')::text[],
                    (select i.inhparent::int8 from pg_catalog.pg_inherits i where i.inhrelid = r.oid and r.relispartition limit 1),
                    case when r.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(r.oid) end
             from rels r order by r.nspname, r.relname"
        ),
        true,
    )
    .await?;
    catalog.relations = rows
        .iter()
        .map(|row| RelationRow {
            oid: row.get(0),
            schema: row.get(1),
            name: row.get(2),
            kind: row.get(3),
            rls: row.get(4),
            force_rls: row.get(5),
            options: row.get(6),
            parent: row.get(7),
            view_definition: row.get(8),
        })
        .collect();

    let rows = query(
        "columns",
        format!(
            "{RELATIONS_CTE}
             select a.attrelid::int8, a.attname::text, pg_catalog.format_type(a.atttypid, null), a.attnotnull,
                    pg_catalog.pg_get_expr(d.adbin, d.adrelid)
             from rels r join pg_catalog.pg_attribute a on a.attrelid = r.oid
             left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
             where a.attnum > 0 and not a.attisdropped
             order by a.attrelid, a.attnum"
        ),
        true,
    )
    .await?;
    catalog.columns = rows
        .iter()
        .map(|row| ColumnRow {
            relation: row.get(0),
            name: row.get(1),
            type_name: row.get(2),
            not_null: row.get(3),
            default: row.get(4),
        })
        .collect();

    let rows = query(
        "constraints",
        format!(
            "{RELATIONS_CTE}
             select con.conrelid::int8, con.conname::text, con.contype::text,
                    array(select a.attname::text from unnest(con.conkey) with ordinality k(n, o)
                          join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.o),
                    fn.nspname::text, fc.relname::text,
                    array(select a.attname::text from unnest(con.confkey) with ordinality k(n, o)
                          join pg_catalog.pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.o),
                    con.confdeltype::text,
                    coalesce((select (to_jsonb(i) ->> 'indnullsnotdistinct')::bool from pg_catalog.pg_index i
                              where i.indexrelid = con.conindid), false)
             from rels r join pg_catalog.pg_constraint con on con.conrelid = r.oid
             left join pg_catalog.pg_class fc on fc.oid = con.confrelid
             left join pg_catalog.pg_namespace fn on fn.oid = fc.relnamespace
             where con.contype in ('p', 'u', 'f', 'c', 'x')
             order by con.conrelid, con.conname"
        ),
        true,
    )
    .await?;
    catalog.constraints = rows
        .iter()
        .map(|row| {
            let schema: Option<String> = row.get(4);
            let name: Option<String> = row.get(5);
            ConstraintRow {
                relation: row.get(0),
                name: row.get(1),
                kind: row.get(2),
                columns: row.get(3),
                references: schema.zip(name),
                referenced_columns: row.get(6),
                on_delete: row.get(7),
                nulls_not_distinct: row.get(8),
            }
        })
        .collect();

    let rows = query(
        "indexes",
        format!(
            "{RELATIONS_CTE}
             select i.indrelid::int8, ic.relname::text, am.amname::text, i.indisunique,
                    coalesce((to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false),
                    array(select case when k.n = 0 then null else a.attname::text end
                          from unnest(i.indkey) with ordinality k(n, o)
                          left join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n
                          where k.o <= i.indnkeyatts order by k.o),
                    array(select pg_catalog.pg_get_indexdef(i.indexrelid, k::int4, true)
                          from generate_series(1, i.indnkeyatts) k order by k),
                    array(select a.attname::text from unnest(i.indkey) with ordinality k(n, o)
                          join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n
                          where k.o > i.indnkeyatts order by k.o),
                    pg_catalog.pg_get_expr(i.indpred, i.indrelid),
                    (select con.conname::text from pg_catalog.pg_constraint con
                     where con.conindid = i.indexrelid and con.contype in ('p', 'u', 'x') limit 1)
             from rels r join pg_catalog.pg_index i on i.indrelid = r.oid
             join pg_catalog.pg_class ic on ic.oid = i.indexrelid
             join pg_catalog.pg_am am on am.oid = ic.relam
             order by i.indrelid, ic.relname"
        ),
        true,
    )
    .await?;
    catalog.indexes = rows
        .iter()
        .map(|row| IndexRow {
            relation: row.get(0),
            name: row.get(1),
            method: row.get(2),
            unique: row.get(3),
            nulls_not_distinct: row.get(4),
            key_columns: row.get(5),
            key_defs: row.get(6),
            include: row.get(7),
            predicate: row.get(8),
            constraint: row.get(9),
        })
        .collect();

    let rows = query(
        "policies",
        format!(
            "{RELATIONS_CTE}
             select p.polrelid::int8, p.polname::text, p.polcmd::text, p.polpermissive,
                    array(select case when role = 0 then 'public' else pg_catalog.pg_get_userbyid(role)::text end
                          from unnest(p.polroles) role order by 1),
                    pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
             from rels r join pg_catalog.pg_policy p on p.polrelid = r.oid
             order by p.polrelid, p.polname"
        ),
        true,
    )
    .await?;
    catalog.policies = rows
        .iter()
        .map(|row| PolicyRow {
            relation: row.get(0),
            name: row.get(1),
            command: row.get(2),
            permissive: row.get(3),
            roles: row.get(4),
            using: row.get(5),
            with_check: row.get(6),
        })
        .collect();

    let sql_body = if catalog.server_version >= 140000 {
        "case when p.prosqlbody is not null then pg_catalog.pg_get_function_sqlbody(p.oid) else p.prosrc end"
    } else {
        "p.prosrc"
    };
    let rows = query(
        "functions",
        format!(
            "select n.nspname::text, p.proname::text, p.prokind::text, l.lanname::text, p.prosecdef,
                    coalesce(p.proconfig, '{{}}')::text[],
                    array(select pg_catalog.format_type(t, null) from unnest(p.proargtypes) with ordinality a(t, o) order by o),
                    pg_catalog.format_type(p.prorettype, null), coalesce({sql_body}, ''),
                    array(select case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end
                          from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                          where a.privilege_type = 'EXECUTE' order by 1)
             from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
             join pg_catalog.pg_language l on l.oid = p.prolang
             where p.prokind in ('f', 'p') and n.nspname <> all($1::text[]) and n.nspname !~ '^pg_'
               and pg_catalog.has_schema_privilege(n.oid, 'USAGE')
               and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_proc'::regclass
                               and d.objid = p.oid and d.deptype = 'e')
             order by 1, 2, 7"
        ),
        true,
    )
    .await?;
    catalog.functions = rows
        .iter()
        .map(|row| FunctionRow {
            schema: row.get(0),
            name: row.get(1),
            kind: row.get(2),
            language: row.get(3),
            security_definer: row.get(4),
            config: row.get(5),
            arg_types: row.get(6),
            returns: row.get(7),
            body: row.get(8),
            execute: row.get(9),
        })
        .collect();

    let rows = query(
        "triggers",
        format!(
            "{RELATIONS_CTE}
             select t.tgrelid::int8, t.tgname::text, fn.nspname::text, f.proname::text, t.tgtype::int4
             from rels r join pg_catalog.pg_trigger t on t.tgrelid = r.oid
             join pg_catalog.pg_proc f on f.oid = t.tgfoid join pg_catalog.pg_namespace fn on fn.oid = f.pronamespace
             where not t.tgisinternal order by t.tgrelid, t.tgname"
        ),
        true,
    )
    .await?;
    catalog.triggers = rows
        .iter()
        .map(|row| TriggerRow {
            relation: row.get(0),
            name: row.get(1),
            function_schema: row.get(2),
            function_name: row.get(3),
            kind: row.get(4),
        })
        .collect();

    let schemas = if catalog.server_version >= 150000 {
        "array(select n.nspname::text from pg_catalog.pg_publication_namespace pn
               join pg_catalog.pg_namespace n on n.oid = pn.pnnspid where pn.pnpubid = p.oid order by 1)"
    } else {
        "'{}'::text[]"
    };
    let rows = query(
        "publications",
        format!(
            "select p.pubname::text, p.puballtables,
                    array(select n.nspname::text from pg_catalog.pg_publication_rel pr join pg_catalog.pg_class c on c.oid = pr.prrelid
                          join pg_catalog.pg_namespace n on n.oid = c.relnamespace where pr.prpubid = p.oid order by n.nspname, c.relname),
                    array(select c.relname::text from pg_catalog.pg_publication_rel pr join pg_catalog.pg_class c on c.oid = pr.prrelid
                          join pg_catalog.pg_namespace n on n.oid = c.relnamespace where pr.prpubid = p.oid order by n.nspname, c.relname),
                    {schemas}
             from pg_catalog.pg_publication p order by 1"
        ),
        false,
    )
    .await?;
    catalog.publications = rows
        .iter()
        .map(|row| {
            let schemas: Vec<String> = row.get(2);
            let names: Vec<String> = row.get(3);
            PublicationRow {
                name: row.get(0),
                all_tables: row.get(1),
                tables: schemas.into_iter().zip(names).collect(),
                schemas: row.get(4),
            }
        })
        .collect();

    let rows = query(
        "table privileges",
        format!(
            "{RELATIONS_CTE}
             select r.oid::int8, case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end,
                    lower(a.privilege_type)
             from rels r join pg_catalog.pg_class c on c.oid = r.oid, aclexplode(c.relacl) a
             order by 1, 2, 3"
        ),
        true,
    )
    .await?;
    catalog.grants = rows
        .iter()
        .map(|row| GrantRow {
            relation: row.get(0),
            grantee: row.get(1),
            privilege: row.get(2),
        })
        .collect();

    // The history table's name comes from the config: quoted, and looked up before it is read
    // (a query naming a missing table fails as a whole).
    let (schema, table) = history_table
        .split_once('.')
        .unwrap_or(("public", history_table));
    let quoted = format!("{}.{}", quote(schema), quote(table));
    let literal = format!("'{}'", quoted.replace('\'', "''"));
    let rows = query(
        "the migration history",
        format!("select to_regclass({literal}) is not null"),
        false,
    )
    .await?;
    let exists: bool = rows[0].get(0);
    catalog.history = if exists {
        let rows = query(
            "the migration history",
            format!("select array(select version::text from {quoted} order by 1)"),
            false,
        )
        .await?;
        Some(rows[0].get(0))
    } else {
        None
    };
    catalog.queries = 12 + usize::from(exists);
    client
        .batch_execute("rollback")
        .await
        .map_err(fail("the catalog (ending the transaction)"))?;
    Ok(catalog)
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}
