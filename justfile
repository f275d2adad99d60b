# The common loops. `just` is one binary: `cargo install just`, or
# `pip install rust-just`. Every recipe is a plain command you can also
# type yourself.

# The dev ledger with demo data and its API on 127.0.0.1:8700.
dev:
    cargo run --bin publica -- dev --demo

# Everything CI runs: formatting, lints, the dependency policy, the tests.
ci:
    bash .ci/run

# The README's test command: every test of the workspace and Python interop.
test:
    ./scripts/test

# One crate's tests, e.g. `just test-crate publica-money`.
test-crate crate:
    cargo test -p {{crate}}

# Formatting and lints as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Licences and duplicate crates against scripts/deps-policy.toml.
deps:
    scripts/check-deps

# Regenerate the module codes in docs/errors.md from the rejection enums.
bless-errors:
    PUBLICA_BLESS=1 cargo test -p publica-node --lib errors_md_lists_every_module_code

# The load generator (docs/benchmarks.md), release build.
bench seconds="30" accounts="1000":
    cargo run --release --bin publica -- bench --duration {{seconds}} --accounts {{accounts}}

# Micro-benchmarks (criterion / divan), release build.
cargo-bench:
    cargo bench --workspace
