# syntax=docker/dockerfile:1
# The github service: docker build -f deploy/docker/github.Dockerfile -t ghcr.io/coffee-copilot/github .
# (`make images` builds all six). The context is the repository: the uv workspace.

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# Build: only this service's locked dependencies and its workspace packages, into /app/.venv.
FROM python:3.11-slim-bookworm AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# The dependencies first, from the lock alone, so that a code change reuses this layer.
COPY pyproject.toml uv.lock ./
COPY cli/pyproject.toml cli/
COPY libs/contracts/pyproject.toml libs/contracts/
COPY libs/service-defaults/pyproject.toml libs/service-defaults/
COPY services/gateway/pyproject.toml services/gateway/
COPY services/orchestrator/pyproject.toml services/orchestrator/
COPY services/rag/pyproject.toml services/rag/
COPY services/orders/pyproject.toml services/orders/
COPY services/github/pyproject.toml services/github/
COPY services/insights/pyproject.toml services/insights/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package copilot-github
# Then the code: the service and the two libraries it builds on, installed (not editable).
COPY libs/contracts libs/contracts
COPY libs/service-defaults libs/service-defaults
COPY services/github services/github
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package copilot-github

# Run: the virtual environment on the same Python, as an unprivileged user, and no shell
# needed: the entry point is the service's console script in exec form. No HEALTHCHECK:
# Kubernetes ignores it and probes GET /health and /ready itself (deploy/k8s), and one here
# would need curl or a Python one-liner in the image for `docker run` alone.
FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 copilot \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin copilot \
    && install --directory --owner 10001 --group 10001 --mode 0750 /var/lib/copilot
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8004 \
    DATA_DIR=/var/lib/copilot
WORKDIR /app
USER 10001:10001
EXPOSE 8004
ENTRYPOINT ["copilot-github"]
