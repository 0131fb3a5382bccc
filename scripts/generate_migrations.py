#!/usr/bin/env python3
"""Generates a Supabase-style migration folder for benchmarks.

usage: generate_migrations.py COUNT DIR [POLICIES_PER_TABLE]

Each file creates one multi-tenant table (id, organization_id, user_id, name, created_at,
updated_at) with RLS, POLICIES_PER_TABLE policies (default 5: select, insert, update, delete
and one more select), indexes on the tenant and owner columns and an updated_at trigger;
every 10th file adds a security-definer helper, every 20th a security-invoker view. The
output is deterministic.
"""
import os
import sys


def migration(i, policies):
    t = f"t{i:05d}"
    lines = [
        f"create table public.{t} (",
        "  id uuid primary key default gen_random_uuid(),",
        "  organization_id uuid not null,",
        "  user_id uuid not null,",
        "  name text not null,",
        "  created_at timestamptz not null default now(),",
        "  updated_at timestamptz not null default now()",
        ");",
        f"create index {t}_organization_id_idx on public.{t} (organization_id);",
        f"create index {t}_user_id_idx on public.{t} (user_id);",
        f"alter table public.{t} enable row level security;",
        f"create trigger {t}_updated_at before update on public.{t} for each row execute function private.set_updated_at();",
    ]
    kinds = [
        ("select", "using (organization_id in (select private.user_org_ids()))"),
        ("insert", "with check (user_id = (select auth.uid()) and organization_id in (select private.user_org_ids()))"),
        ("update", "using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()))"),
        ("delete", "using (user_id = (select auth.uid()))"),
        ("select", "using (user_id = (select auth.uid()))"),
    ]
    for n in range(policies):
        command, clause = kinds[n % len(kinds)]
        role = "authenticated" if n < len(kinds) else "service_role"
        lines.append(f'create policy "{t} {command} {n}" on public.{t} for {command} to {role} {clause};')
    if i % 10 == 0:
        lines += [
            f"create function private.{t}_count(org uuid) returns bigint language sql stable security definer",
            "  set search_path = ''",
            f"  as $$ select count(*) from public.{t} where organization_id = org $$;",
            f"revoke execute on function private.{t}_count(uuid) from public, anon, authenticated;",
        ]
    if i % 20 == 0:
        lines.append(f"create view public.{t}_names with (security_invoker = true) as select id, name from public.{t};")
    return "\n".join(lines) + "\n"


PRELUDE = """create schema if not exists private;
create function private.user_org_ids() returns setof uuid language sql stable security definer
  set search_path = '' as $$ select gen_random_uuid() $$;
revoke execute on function private.user_org_ids() from public, anon;
create function private.set_updated_at() returns trigger language plpgsql set search_path = ''
  as $$ begin new.updated_at = pg_catalog.now(); return new; end $$;
"""


def main():
    count = int(sys.argv[1])
    out = sys.argv[2]
    policies = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "20240100000000_prelude.sql"), "w") as f:
        f.write(PRELUDE)
    for i in range(count - 1):
        with open(os.path.join(out, f"{20240101000000 + i:014d}_table_{i:05d}.sql"), "w") as f:
            f.write(migration(i, policies))


if __name__ == "__main__":
    main()
