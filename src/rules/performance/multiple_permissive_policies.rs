use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::policy::policy_object;
use crate::rules::{Rule, RuleMeta, SchemaContext};
use crate::schema::names::quote_ident;
use crate::schema::{Policy, PolicyCommand};

const COMMANDS: [PolicyCommand; 4] = [
    PolicyCommand::Select,
    PolicyCommand::Insert,
    PolicyCommand::Update,
    PolicyCommand::Delete,
];

declare_rule! {
    /// ## What it does
    /// On a table with row level security enabled, flags commands for which more than one
    /// permissive policy applies to the same role. `FOR ALL` counts for every command; a policy
    /// without `TO` (PUBLIC) counts for `anon` and `authenticated`. Policies for privileged
    /// roles count too: Postgres evaluates them for every row. One finding per (table,
    /// command), at the second policy (in migration order) that applies to a shared role.
    ///
    /// ## Why is this bad?
    /// Postgres ORs all permissive policies for a role and command together and evaluates each
    /// of them for every row. Two policies cost twice the work of one; merging them into one
    /// policy with an `OR` is both faster and easier to review.
    ///
    /// ## Example
    /// ```sql
    /// create table public.posts (id uuid primary key, author uuid, published boolean);
    /// alter table public.posts enable row level security;
    /// create policy "own posts" on public.posts for select to authenticated
    ///   using (author = (select auth.uid()));
    /// create policy "published posts" on public.posts for select to authenticated
    ///   using (published);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// create table public.posts (id uuid primary key, author uuid, published boolean);
    /// alter table public.posts enable row level security;
    /// create policy "own or published posts" on public.posts for select to authenticated
    ///   using (published or author = (select auth.uid()));
    /// ```
    pub struct MultiplePermissivePolicies {
        name: "multiple-permissive-policies",
        category: Performance,
        level: Warning,
    }
}

impl Rule for MultiplePermissivePolicies {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_schema(&self, ctx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (_, table) in ctx.model.live_relations() {
            if !table.rls_enabled {
                continue;
            }
            let mut ordered: Vec<&Policy> = table
                .policies
                .iter()
                .filter(|policy| policy.permissive)
                .collect();
            ordered.sort_by_key(|policy| policy.created);
            for command in COMMANDS {
                let applying: Vec<&Policy> = ordered
                    .iter()
                    .copied()
                    .filter(|policy| {
                        policy.command == command || policy.command == PolicyCommand::All
                    })
                    .collect();
                // The earliest policy that is the second for some role, and the roles it shares.
                let mut second: Option<(&Policy, &Policy, Vec<String>)> = None;
                for (index, policy) in applying.iter().enumerate() {
                    let earlier = applying[..index]
                        .iter()
                        .find(|other| !shared_roles(other, policy).is_empty());
                    if let Some(earlier) = earlier {
                        second = Some((earlier, policy, shared_roles(earlier, policy)));
                        break;
                    }
                }
                let Some((first, second, roles)) = second else {
                    continue;
                };
                let message = format!(
                    "{} has several permissive {} policies for {}: {} and {} are both evaluated for every row",
                    table.name,
                    command.sql(),
                    roles.join(", "),
                    quote_ident(&first.name),
                    quote_ident(&second.name)
                );
                let help = "merge them into one policy whose expression ORs the conditions";
                let object = format!("{} ({})", policy_object(table, second), command.sql());
                out.push(
                    ctx.report(&Self::META, second.created, object, message)
                        .with_help(help),
                );
            }
        }
    }
}

/// The roles two policies both apply to, PUBLIC counting as `anon` and `authenticated`.
fn shared_roles(a: &Policy, b: &Policy) -> Vec<String> {
    let expand = |policy: &Policy| -> Vec<String> {
        let mut roles: Vec<String> = policy
            .roles
            .iter()
            .flat_map(|role| match role.as_str() {
                "public" => vec!["anon".to_owned(), "authenticated".to_owned()],
                other => vec![other.to_owned()],
            })
            .collect();
        roles.sort();
        roles.dedup();
        roles
    };
    let b_roles = expand(b);
    expand(a)
        .into_iter()
        .filter(|role| b_roles.contains(role))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, findings};

    const RULE: &str = "multiple-permissive-policies";
    const T: &str = "create table t (id int, owner uuid); alter table t enable row level security;";

    #[test]
    fn fires() {
        assert_fires(
            RULE,
            &[
                &[
                    T,
                    "create policy a on t for select to authenticated using (true); create policy b on t for select to authenticated using (false);",
                ],
                &[
                    T,
                    "create policy a on t for all to authenticated using (true); create policy b on t for delete to authenticated using (false);",
                ],
                &[
                    T,
                    "create policy a on t for select using (true); create policy b on t for select to anon using (false);",
                ],
                &[
                    T,
                    "create policy a on t for update to service_role using (true); create policy b on t for update to service_role using (false);",
                ],
            ],
        );
    }

    #[test]
    fn silent() {
        assert_silent(
            RULE,
            &[
                &[
                    T,
                    "create policy a on t for select to authenticated using (true); create policy b on t for select to anon using (false);",
                ],
                &[
                    T,
                    "create policy a on t for select to authenticated using (true); create policy b on t as restrictive for select to authenticated using (false);",
                ],
                &[
                    T,
                    "create policy a on t for select to authenticated using (true); create policy b on t for insert to authenticated with check (true);",
                ],
                &[
                    "create table t (id int); create policy a on t for select using (true); create policy b on t for select using (false);",
                ],
                &[
                    T,
                    "create policy a on t for select to authenticated using (true); create policy b on t for select to authenticated using (false);",
                    "drop policy b on t;",
                ],
            ],
        );
    }

    #[test]
    fn one_finding_per_command() {
        let found = findings(
            RULE,
            &[
                T,
                "create policy a on t for all to authenticated using (true); create policy b on t for all to authenticated using (false);",
            ],
        );
        assert_eq!(found.len(), 4);
    }
}
