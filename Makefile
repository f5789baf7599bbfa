.PHONY: demo test test-sqlite fmt lint ci snapshots

demo:
	cargo run --release -- demo

test:
	scripts/test.sh

test-sqlite:
	SKIP_PG=1 scripts/test.sh

fmt:
	cargo fmt --all

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

snapshots:
	UPDATE_SNAPSHOTS=1 cargo nextest run -p twotier-web -E "test(permission_matrix) | test(commerce_matrix)"

ci:
	.ci/run
