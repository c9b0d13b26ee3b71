# Accord: `make run` and `make test` are all a new machine needs.
# Tools come from the package registries only (crates.io, npm, Debian).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

TRUNK_VERSION   := 0.21.14
BINARYEN_VERSION := 132.0.0
# The wasm-bindgen CLI must match the library in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)

TOOLS   := $(CURDIR)/.tools
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(TOOLS)/node_modules/.bin:$(CARGO_BIN):$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true

# Debian packages, as root or through sudo.
APT_INSTALL = SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -q && $$SUDO apt-get install -y -q

ADDR ?= 127.0.0.1:8080
DATA ?= ./data

APP_SOURCES := $(shell find app shared style -type f -not -path '*/target/*') Cargo.toml Cargo.lock Trunk.toml .cargo/config.toml

.PHONY: run test tools test-tools app server lint bench fuzz fuzz-short soak clean

## run: install what is missing, build, and serve on http://127.0.0.1:8080 with demo data
run: tools app server
	@echo "==> Starting Accord on http://$(ADDR) (data in $(DATA)); Ctrl-C stops it"
	./target/release/accord serve --addr $(ADDR) --data $(DATA) --dist dist

## test: install what tests need and run every test (unit, protocol, Node interop, browser)
test: tools test-tools app
	@echo "==> Building the server and tests"
	cargo build -p accord-server
	@echo "==> Checking format and lints"
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p accord-app --target wasm32-unknown-unknown -- -D warnings
	@echo "==> Running the tests"
	cargo test -- --test-threads=2
	@echo "==> The app's own unit tests (native; the app is not a default workspace member)"
	cargo test -p accord-app -- --test-threads=2
	$(MAKE) fuzz-short

tools: $(TOOLS)/.wasm32 $(CARGO_BIN)/trunk $(TOOLS)/.wasm-bindgen-$(WASM_BINDGEN_VERSION) $(TOOLS)/node_modules/.bin/wasm-opt $(TOOLS)/.brotli

# The app's assets are stored precompressed (Trunk.toml's post-build hook).
$(TOOLS)/.brotli:
	@if ! command -v brotli >/dev/null; then \
		echo "==> Installing brotli from Debian"; \
		$(APT_INSTALL) brotli; \
	fi
	@mkdir -p $(TOOLS) && touch $@

$(TOOLS)/.wasm32:
	@echo "==> Adding the wasm32 target"
	rustup target add wasm32-unknown-unknown
	@mkdir -p $(TOOLS) && touch $@

$(CARGO_BIN)/trunk:
	@echo "==> Installing Trunk $(TRUNK_VERSION) from crates.io (one time, about 10 minutes)"
	cargo install --locked trunk --version $(TRUNK_VERSION)

# Without --locked: the CLI's own lockfile names a crate version the registry lacks.
$(TOOLS)/.wasm-bindgen-$(WASM_BINDGEN_VERSION):
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
		echo "==> Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) from crates.io (one time, about 3 minutes)"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi
	@mkdir -p $(TOOLS) && touch $@

# binaryen from npm: Debian's (108) produces a wasm that leaves the page blank.
$(TOOLS)/node_modules/.bin/wasm-opt:
	@echo "==> Installing wasm-opt (binaryen $(BINARYEN_VERSION)) from npm"
	npm install --prefix $(TOOLS) --no-audit --no-fund binaryen@$(BINARYEN_VERSION)

test-tools: tests/node/node_modules/.package-lock.json
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		echo "==> Installing Chromium and ChromeDriver from Debian"; \
		$(APT_INSTALL) chromium chromium-driver; \
	fi

tests/node/node_modules/.package-lock.json: tests/node/package.json tests/node/package-lock.json
	@echo "==> Installing the npm packages for the interop test (automerge-repo) and the accessibility check (axe-core)"
	npm install --prefix tests/node --no-audit --no-fund

## app: the browser app, built in release mode into dist/ (skipped when nothing changed)
app: dist/index.html

dist/index.html: $(APP_SOURCES) | tools
	@echo "==> Building the app (wasm, release); a cold build takes a few minutes"
	cargo fetch --locked
	trunk build --release

server:
	@echo "==> Building the server (release)"
	cargo build --release -p accord-server

## bench: Accord beside automerge-repo's own sync server (npm), same load, and the app in Chromium; writes BENCHMARKS.md
bench: tests/bench-peer/node_modules/.package-lock.json app test-tools
	@echo "==> Building the server and the load generator (release)"
	cargo build --release -p accord-server
	cargo build --release -p accord-tests --bin accord-bench
	@echo "==> Running the scenarios (about 10 minutes)"
	ulimit -n $$(ulimit -Hn); ACCORD_BIN=$(CURDIR)/target/release/accord ./target/release/accord-bench

tests/bench-peer/node_modules/.package-lock.json: tests/bench-peer/package.json tests/bench-peer/package-lock.json
	@echo "==> Installing @automerge/automerge-repo-sync-server from npm for the benchmarks"
	# npm install, not ci: npm 11 wants optional platform packages of cbor-extract in the lock that it does not write there.
	npm install --prefix tests/bench-peer --no-audit --no-fund

## soak: 500 clients editing for SOAK_MINUTES (30); RSS and latency every minute; fails if RSS grows after warm-up
soak:
	cargo build --release -p accord-server
	cargo build --release -p accord-tests --bin accord-soak
	ulimit -n $$(ulimit -Hn); ACCORD_BIN=$(CURDIR)/target/release/accord ./target/release/accord-soak

## fuzz: each cargo-fuzz target for FUZZ_SECONDS (default 10 minutes each); installs cargo-fuzz
FUZZ_TARGETS := protocol_frame sync_inspect write_policy
FUZZ_SECONDS ?= 600
FUZZ_SHORT_SECONDS ?= 15

fuzz:
	@command -v cargo-fuzz >/dev/null || { echo "==> Installing cargo-fuzz from crates.io (about 3 minutes)"; cargo install cargo-fuzz --locked; }
	@for t in $(FUZZ_TARGETS); do \
		echo "==> Fuzzing $$t for $(FUZZ_SECONDS) s"; \
		(cd fuzz && cargo +nightly fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS)) || exit 1; \
	done

# In make test: a short run of each target (FUZZ_SHORT_SECONDS), installing
# cargo-fuzz if missing (measured on this machine: install 27 s, instrumented
# build and the three runs 2.5 min). Skipped only without a nightly toolchain.
fuzz-short:
	@if cargo +nightly --version >/dev/null 2>&1; then \
		$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SHORT_SECONDS); \
	else \
		echo "==> Skipping the short fuzz runs: no nightly toolchain (rustup toolchain install nightly)"; \
	fi

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p accord-app --target wasm32-unknown-unknown -- -D warnings

clean:
	rm -rf dist target/wasm32-unknown-unknown
