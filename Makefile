# Coffee Copilot: `make run` starts everything locally, `make test` runs the whole suite.
SHELL := bash
export UV_PYTHON_DOWNLOADS := never

UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif

PACKAGES := copilot_contracts copilot_service_defaults copilot_gateway copilot_orchestrator \
	copilot_rag copilot_orders copilot_github copilot_cli

.PHONY: help install run test test-fast lint format audit eval bench

help:
	@echo "make run        start NATS (if none answers) and all five services at http://localhost:8000"
	@echo "make test       install what is missing and run the whole test suite"
	@echo "make test-fast  the suite without the end-to-end tests"
	@echo "make lint       ruff (lint + format check) and mypy"
	@echo "make format     apply ruff's formatting and safe fixes"
	@echo "make audit      bandit over the sources, pip-audit over the locked dependencies"
	@echo "                (make audit PIP_AUDIT=skip: bandit only)"
	@echo "make eval       retrieval quality on the labelled questions (bench/results/)"
	@echo "make bench      speed benchmarks (bench/results/)"

install:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.13"
	$(UV) sync --all-packages --locked

run: install
	$(UV) run --no-sync copilot run

test: install
	$(UV) run --no-sync pytest

test-fast: install
	$(UV) run --no-sync pytest --ignore=tests/e2e

lint: install
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy $(addprefix -p ,$(PACKAGES))

format: install
	$(UV) run --no-sync ruff check --fix .
	$(UV) run --no-sync ruff format .

# pip-audit looks every locked version up on PyPI's JSON API; where that (or OSV) cannot be
# reached it would report "no known vulnerabilities" for packages it never checked: --strict
# makes that a failure, and the message says why.
PIP_AUDIT ?= run
SOURCES := $(wildcard services/*/src libs/*/src) cli/src

audit: install
	$(UV) run --no-sync bandit -c pyproject.toml -q -r $(SOURCES)
ifeq ($(PIP_AUDIT),skip)
	@echo "pip-audit SKIPPED (PIP_AUDIT=skip): the dependencies were not checked."
else
	@locked=$$(mktemp) && report=$$(mktemp) && trap 'rm -f "$$locked" "$$report"' EXIT && \
	$(UV) export --frozen --no-hashes --all-packages --no-emit-workspace --quiet -o "$$locked" && \
	if $(UV) run --no-sync pip-audit -r "$$locked" --no-deps --disable-pip --strict \
		--progress-spinner off >"$$report" 2>&1; then \
		grep -v "^WARNING" "$$report"; \
	elif grep -qiE "could not be audited|ConnectionError|Max retries|timed out" "$$report"; then \
		grep -v "^WARNING" "$$report" | tail -n 3; \
		echo "pip-audit FAILED: it could not look the dependencies up (PyPI's JSON API or OSV"; \
		echo "did not answer), so they were NOT checked. Run it where pypi.org answers, or"; \
		echo "skip this step explicitly: make audit PIP_AUDIT=skip"; \
		exit 1; \
	else \
		grep -v "^WARNING" "$$report"; \
		echo "pip-audit FAILED: known vulnerabilities in the locked dependencies (above)."; \
		exit 1; \
	fi
endif

eval: install
	$(UV) run --no-sync python bench/rag_eval.py

bench: install
	$(UV) run --no-sync python bench/orders_bench.py
	$(UV) run --no-sync python bench/rag_bench.py
