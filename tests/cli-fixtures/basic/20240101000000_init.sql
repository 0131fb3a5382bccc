create table public.customers (
  id uuid primary key,
  organization_id uuid references public.organizations (id)
);

create table public.organizations (id uuid primary key);
alter table public.organizations enable row level security;

create policy "members read" on public.organizations for select to authenticated
  using (id = auth.uid());

create tabel public.broken (id int);
