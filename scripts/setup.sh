#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for building and testing pgaudit-lint:
# libclang (pg_query runs bindgen) and the PostgreSQL server binaries (live-mode tests).
set -euo pipefail

need=()
if ! ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 && ! ls /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1; then
  need+=(libclang-dev)
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if ! command -v openssl >/dev/null 2>&1; then
  need+=(openssl)
fi
if [ ! -x /usr/bin/time ]; then
  need+=(time)
fi
if ! command -v git >/dev/null 2>&1; then
  need+=(git)
fi
if ! command -v cc >/dev/null 2>&1; then
  need+=(build-essential)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust with rustup (https://rustup.rs) and run again" >&2
  exit 1
fi
for component in clippy rustfmt; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component" >/dev/null 2>&1 || echo "setup: could not add the $component component"
  fi
done
