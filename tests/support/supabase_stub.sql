-- Minimal Supabase stub for a plain PostgreSQL 15 server.
--
-- Just enough of what a Supabase project provides before its migrations run: the API roles,
-- the auth schema with auth.users and the auth.* helper functions, the extensions schema, the
-- supabase_realtime publication, and the grants Supabase sets up on public/auth.
-- Apply it once to a fresh database, then apply the migrations in file name order:
--
--   psql -v ON_ERROR_STOP=1 -f tests/support/supabase_stub.sql
--
-- Safe to run twice (roles are cluster-wide, so a second database in the same cluster reuses them).

-- API roles. Supabase's service_role bypasses RLS; anon and authenticated never do.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

create schema if not exists auth;
create schema if not exists extensions;

create table if not exists auth.users (
  id uuid primary key,
  email text,
  raw_user_meta_data jsonb,
  raw_app_meta_data jsonb,
  created_at timestamptz default now()
);

-- The request's JWT claims, as PostgREST sets them: `request.jwt.claims` (JSON, PostgREST >= 9)
-- or the older per-claim settings `request.jwt.claim.<name>`.
-- In a test: select set_config('request.jwt.claims', '{"sub":"<uuid>","role":"authenticated"}', true);
create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

-- Grants as Supabase sets them up: the API roles can reach public, auth and extensions
-- (policies call auth.uid() as the requesting role), and objects later created in public are
-- granted to them by default; row level security is what restricts them.
grant usage on schema public to anon, authenticated, service_role;
grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema extensions to anon, authenticated, service_role;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role;

alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;

-- Supabase creates this publication; migrations add tables to it for Realtime.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
