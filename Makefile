# pgaudit-lint: `make demo` lints the insecure example, `make test` runs the whole suite.
# Both first install what a fresh Debian/Ubuntu machine lacks (scripts/setup.sh).

CARGO ?= cargo
EXAMPLE ?= examples/insecure-saas/supabase/migrations

.PHONY: setup demo test lint rule-docs expected-sarif bench

setup:
	@./scripts/setup.sh

# Findings make the linter exit 1; for the demo that is the expected outcome.
demo: setup
	$(CARGO) build --release --quiet
	@./target/release/pgaudit-lint check $(EXAMPLE) --show info; status=$$?; \
	  if [ $$status -gt 1 ]; then exit $$status; fi; \
	  echo; echo "The same schema written safely: ./target/release/pgaudit-lint check migrations"

lint: setup
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --quiet -- -D warnings

test: lint
	$(CARGO) test

# Regenerates rules/*.md from the rules' doc comments.
rule-docs:
	$(CARGO) run --quiet -- write-rule-docs rules

# Regenerates the committed SARIF of the insecure example (checked by tests/ci.rs).
expected-sarif:
	$(CARGO) run --quiet -- check $(EXAMPLE) --format sarif --output examples/insecure-saas/expected.sarif --fail-on never

bench: setup
	$(CARGO) bench --bench bench
