"""`copilot deadletters list|replay`: messages a service could not process, for operators.

A dead letter keeps the original message (payload and headers) and where it came from. Its
payload is not printed by `list` (it may hold a visitor's words); `replay` publishes it
again on its original subject, where the service's idempotency store makes a repeat
harmless, and removes the dead letter."""

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from copilot_contracts import subjects
from copilot_service_defaults import dead_letters as keys
from nats.aio.client import Client
from nats.errors import NoServersError
from nats.js.errors import NotFoundError

from copilot_cli.nats_logins import REFUSED_LOGIN, LoginRefused, connect

STREAM = subjects.DEAD_LETTERS_STREAM


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    kept_at: datetime | None
    origin_subject: str
    origin_stream: str
    consumer: str
    deliveries: str
    size: int


async def listing(connection: Client, limit: int = 100) -> list[DeadLetter]:
    js = connection.jetstream()
    try:
        state = (await js.stream_info(STREAM)).state
    except NotFoundError:
        return []
    found: list[DeadLetter] = []
    for sequence in range(state.last_seq, state.first_seq - 1, -1) if state.messages else ():
        try:
            msg = await js.get_msg(STREAM, sequence)
        except NotFoundError:
            continue  # replayed and removed
        headers = msg.headers or {}
        found.append(
            DeadLetter(
                sequence=sequence,
                kept_at=msg.time,
                origin_subject=headers.get(keys.ORIGIN_SUBJECT, ""),
                origin_stream=headers.get(keys.ORIGIN_STREAM, ""),
                consumer=headers.get(keys.ORIGIN_CONSUMER, ""),
                deliveries=headers.get(keys.DELIVERIES, ""),
                size=len(msg.data or b""),
            )
        )
        if len(found) >= limit:
            break
    return found


async def replay(connection: Client, sequence: int) -> str:
    """Publish dead letter `sequence` again on its original subject; the subject."""
    js = connection.jetstream()
    msg = await js.get_msg(STREAM, sequence)
    headers = dict(msg.headers or {})
    subject = str(headers.get(keys.ORIGIN_SUBJECT, ""))
    stream = str(headers.get(keys.ORIGIN_STREAM, ""))
    for name in (*(h for h in headers if h.startswith("Copilot-Origin")), keys.DELIVERIES):
        headers.pop(name, None)
    headers["Nats-Msg-Id"] = f"replay-{stream}-{headers.get('Nats-Msg-Id', sequence)}-{sequence}"
    await js.publish(subject, msg.data or b"", stream=stream, headers=headers)
    await js.delete_msg(STREAM, sequence)
    return subject


def register(commands: Any, nats_url: str, login: Callable[[], dict[str, str]]) -> None:
    parser = commands.add_parser("deadletters", help="staff: messages no service could process")
    actions = parser.add_subparsers(dest="action", required=True)
    listed = actions.add_parser("list", help="the newest dead letters, without their payloads")
    listed.add_argument("--limit", type=int, default=50)
    replayed = actions.add_parser("replay", help="publish one again on its original subject")
    replayed.add_argument("sequence", type=int)
    for action in (listed, replayed):
        action.add_argument("--nats-url", default=nats_url)
        action.set_defaults(func=run, login=login)


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except LoginRefused:
        print(REFUSED_LOGIN, file=sys.stderr)
    except (NoServersError, OSError):
        print(f"No NATS server answers at {args.nats_url}.", file=sys.stderr)
    except NotFoundError:
        print(f"No dead letter {getattr(args, 'sequence', '')}.", file=sys.stderr)
    return 1


async def _run(args: argparse.Namespace) -> int:
    connection = await connect(args.nats_url, args.login())
    try:
        if args.action == "replay":
            subject = await replay(connection, args.sequence)
            print(f"Dead letter {args.sequence} published again on {subject}.")
            return 0
        letters = await listing(connection, args.limit)
    finally:
        await connection.close()
    if not letters:
        print("No dead letters.")
    for letter in letters:
        kept = letter.kept_at.strftime("%Y-%m-%d %H:%M") if letter.kept_at else "?"
        print(
            f"{letter.sequence:>6}  {kept}  {letter.origin_stream}/{letter.consumer}  "
            f"{letter.origin_subject}  deliveries={letter.deliveries}  {letter.size} bytes"
        )
    return 0
