# Coffee Copilot: `make run` starts everything locally, `make test` runs the whole suite.
SHELL := bash
export UV_PYTHON_DOWNLOADS := never

UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif

PACKAGES := copilot_contracts copilot_service_defaults copilot_gateway copilot_orchestrator \
	copilot_rag copilot_orders copilot_github copilot_cli

.PHONY: help install run test test-fast lint format eval bench

help:
	@echo "make run        start NATS (if none answers) and all five services at http://localhost:8000"
	@echo "make test       install what is missing and run the whole test suite"
	@echo "make test-fast  the suite without the end-to-end tests"
	@echo "make lint       ruff (lint + format check) and mypy"
	@echo "make format     apply ruff's formatting and safe fixes"
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

eval: install
	$(UV) run --no-sync python bench/rag_eval.py

bench: install
	$(UV) run --no-sync python bench/orders_bench.py
	$(UV) run --no-sync python bench/rag_bench.py
