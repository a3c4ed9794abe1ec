"""The `copilot` command: one CLI for every part of Coffee Copilot."""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from copilot_cli import deadletters, insights, issues, nats_server, orders, privacy
from copilot_cli.chat import chat
from copilot_cli.ingest import build_request, ingest
from copilot_cli.nats_logins import NatsLogins, operator_login
from copilot_cli.services import SERVICES, ServiceGroup


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or _dotenv().get(name) or default


def _dotenv() -> dict[str, str]:
    path = Path(".env")
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip().strip("'\"") for k, v in pairs if not k.lstrip().startswith("#")}


def _login() -> dict[str, str]:
    """How `copilot ingest` and `copilot orders` log in to NATS."""
    data_dir = Path(_env("DATA_DIR", ".data"))
    return operator_login(data_dir, _env("NATS_USER", ""), _env("NATS_PASSWORD", ""))


def run(_: argparse.Namespace) -> int:
    started = time.monotonic()
    data_dir = Path(_env("DATA_DIR", ".data"))
    nats_url = _env("NATS_URL", "nats://127.0.0.1:4222")
    address = nats_server.NatsAddress.parse(nats_url)
    own_nats = None
    service_logins: dict[str, dict[str, str]] = {}
    if nats_server.answers(address):
        # Its logins are the operator's business: NATS_USER/NATS_PASSWORD, if any, as set.
        print(f"Using the NATS server at {address.host}:{address.port}")
    else:
        logins = NatsLogins.generate()
        own_nats = nats_server.start_server(address, data_dir, logins=logins)
        service_logins = {name: logins.login_env(name) for name in SERVICES}
        print(
            f"Started nats-server with JetStream at {address.host}:{address.port}"
            f" (a login per service; admin's in {data_dir}/nats/)"
        )
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    group = ServiceGroup(
        env={"NATS_URL": nats_url, "DATA_DIR": str(data_dir)}, service_env=service_logins
    )
    # Stop cleanly on Ctrl-C and on SIGTERM, even when started with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        group.start_all(log_dir=str(log_dir))
        print(
            f"Ready at http://localhost:{SERVICES['gateway']} in {time.monotonic() - started:.1f}s"
            f" (logs in {log_dir}/). Ctrl-C stops everything."
        )
        while (exited := group.first_exited()) is None:
            time.sleep(0.5)
        print(f"{exited} stopped unexpectedly; see {log_dir}/{exited}.log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    except RuntimeError as exc:
        print(f"Could not start: {exc}; see {log_dir}/", file=sys.stderr)
        return 1
    finally:
        # A terminal's Ctrl-C reaches every process of the group at once, and `uv run`
        # passes on the SIGTERM it gets: a second signal must not cut the stopping short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        group.stop_all()
        if own_nats is not None:
            own_nats.terminate()
            own_nats.wait(timeout=10)


def _ingest(args: argparse.Namespace) -> int:
    if args.path and args.urls:
        print("Give a path or --urls, not both.", file=sys.stderr)
        return 2
    request = build_request(args.path, args.urls, args.name, args.rebuild)
    return ingest(args.nats_url, request, args.timeout, _login())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="copilot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the whole system locally").set_defaults(func=run)
    ask = commands.add_parser(
        "chat",
        help="talk to the copilot through the gateway",
        description="With a message: one turn. Without: a conversation, a line per message.",
    )
    ask.add_argument("message", nargs="?")
    ask.add_argument("--url", default=_env("COPILOT_URL", "http://localhost:8000"))
    ask.add_argument("--site-key", default=_env("SITE_KEYS", "demo-site-key").split(",")[0])
    decision = ask.add_mutually_exclusive_group()
    decision.add_argument(
        "--confirm",
        dest="decision",
        action="store_const",
        const="confirm",
        help="confirm a prepared order without asking",
    )
    decision.add_argument(
        "--cancel",
        dest="decision",
        action="store_const",
        const="cancel",
        help="cancel a prepared order without asking",
    )
    ask.set_defaults(func=lambda a: chat(a.url, a.site_key, a.message, a.decision))
    index = commands.add_parser(
        "ingest",
        help="re-index docs: new and changed pages are embedded, removed ones dropped",
        description="The RAG service reads the source itself: give a path it can read "
        "(Markdown, HTML, text, PDF), or --urls with a file listing one URL per line. "
        "With neither, it re-reads its own DOCS_PATH.",
    )
    index.add_argument("path", nargs="?", help="a file or directory of docs")
    index.add_argument("--urls", metavar="FILE", help="a file listing docs URLs, one per line")
    index.add_argument("--name", help="the source's name in the index (default: its path)")
    index.add_argument("--rebuild", action="store_true", help="drop the whole index first")
    index.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait")
    index.add_argument("--nats-url", default=_env("NATS_URL", "nats://127.0.0.1:4222"))
    index.set_defaults(func=_ingest)
    orders.register(commands, _env("NATS_URL", "nats://127.0.0.1:4222"), _login)
    privacy.register(commands, _env("NATS_URL", "nats://127.0.0.1:4222"), _login)
    deadletters.register(commands, _env("NATS_URL", "nats://127.0.0.1:4222"), _login)
    insights.register(commands, _env("NATS_URL", "nats://127.0.0.1:4222"), _login)
    issues.register(commands)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())


def cli() -> None:
    sys.exit(main())
