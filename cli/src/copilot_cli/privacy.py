"""`copilot privacy delete --session ID | --conversation ID`: erase a visitor's data.

What the bus holds is erased here, as operator: the conversation records, working memory,
transcripts and token totals, the visitor's feedback and any turn still queued; the session
is revoked, so its tokens stop working. The orders service erases the customer's name,
email and note from the visitor's orders (an order is kept: it is a business record)."""

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.privacy import OrdersPersonalDataErased, PersonalDataErasureRequested
from nats.aio.client import Client
from nats.errors import NoRespondersError, NoServersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NoKeysError, NotFoundError
from nats.js.kv import KeyValue

from copilot_cli.nats_logins import REFUSED_LOGIN, LoginRefused, connect

CONVERSATION_BUCKETS = (
    subjects.CONVERSATIONS_BUCKET,
    subjects.HISTORY_BUCKET,
    subjects.WORKING_HISTORY_BUCKET,
)


@dataclass
class ErasureReport:
    conversations: set[str] = field(default_factory=set)
    feedback: int = 0
    queued_turns: int = 0
    orders: int = 0
    session_revoked: bool = False


async def _bucket(js: JetStreamContext, name: str) -> KeyValue | None:
    try:
        return await js.key_value(name)
    except (BucketNotFoundError, NotFoundError):
        return None


async def _owned_records(
    js: JetStreamContext, session_id: str | None, conversations: set[str]
) -> tuple[set[str], set[str]]:
    """The session's conversations (added to those named) and the records of their turns."""
    bucket = await _bucket(js, subjects.CONVERSATIONS_BUCKET)
    if bucket is None:
        return set(conversations), set()
    try:
        keys = await bucket.keys()
    except NoKeysError:
        return set(conversations), set()
    records = {}
    for key in keys:
        try:
            records[key] = json.loads((await bucket.get(key)).value or b"{}")
        except KeyNotFoundError:
            continue  # expired meanwhile
    owned = set(conversations) | {
        key
        for key, record in records.items()
        if not key.startswith("turn.") and session_id and record.get("session_id") == session_id
    }
    turns = {
        key
        for key, record in records.items()
        if key.startswith("turn.") and record.get("conversation_id") in owned
    }
    return owned, turns


async def _forget_conversations(
    js: JetStreamContext, conversations: set[str], turn_records: set[str]
) -> None:
    records = await _bucket(js, subjects.CONVERSATIONS_BUCKET)
    for key in turn_records if records else ():
        await records.purge(key)  # type: ignore[union-attr]
    for name in CONVERSATION_BUCKETS:
        bucket = await _bucket(js, name)
        for conversation_id in conversations if bucket else ():
            await bucket.purge(conversation_id)  # type: ignore[union-attr]
    spend = await _bucket(js, subjects.SPEND_BUCKET)
    for conversation_id in conversations if spend else ():
        await spend.purge(f"conversation.{conversation_id}")  # type: ignore[union-attr]


async def _delete_feedback(
    js: JetStreamContext, session_id: str | None, conversations: set[str]
) -> int:
    try:
        await js.stream_info(subjects.CHAT_EVENTS_STREAM)
    except NotFoundError:
        return 0
    reader = await js.pull_subscribe(
        subjects.CHAT_FEEDBACK_GIVEN,
        stream=subjects.CHAT_EVENTS_STREAM,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=60
        ),
    )
    deleted = 0
    try:
        while True:
            try:
                batch = await reader.fetch(256, timeout=1.0)
            except TimeoutError:
                break
            for msg in batch:
                given = json.loads(msg.data)
                if (session_id and given.get("session_id") == session_id) or given.get(
                    "conversation_id"
                ) in conversations:
                    await js.delete_msg(subjects.CHAT_EVENTS_STREAM, msg.metadata.sequence.stream)
                    deleted += 1
            if len(batch) < 256 and not (await reader.consumer_info()).num_pending:
                break
    finally:
        await reader.unsubscribe()
    return deleted


async def _delete_queued_turns(
    js: JetStreamContext, session_id: str | None, conversations: set[str]
) -> int:
    try:
        state = (await js.stream_info(subjects.CHAT_TURNS_STREAM)).state
    except NotFoundError:
        return 0
    deleted = 0
    for sequence in range(state.first_seq, state.last_seq + 1) if state.messages else ():
        try:
            msg = await js.get_msg(subjects.CHAT_TURNS_STREAM, sequence)
        except NotFoundError:
            continue  # already taken and acknowledged
        turn = json.loads(msg.data or b"{}")
        if turn.get("session_id") == session_id or turn.get("conversation_id") in conversations:
            await js.delete_msg(subjects.CHAT_TURNS_STREAM, sequence)
            deleted += 1
    return deleted


async def erase(
    connection: Client, session_id: str | None, conversation_id: str | None
) -> ErasureReport:
    js = connection.jetstream()
    report = ErasureReport()
    if conversation_id:
        report.conversations.add(conversation_id)
    if session_id:
        revoked = await js.key_value(subjects.REVOKED_SESSIONS_BUCKET)
        await revoked.put(f"session.{session_id}", b"revoked")
        report.session_revoked = True
    report.conversations, turn_records = await _owned_records(js, session_id, report.conversations)
    report.feedback = await _delete_feedback(js, session_id, report.conversations)
    await _forget_conversations(js, report.conversations, turn_records)
    report.queued_turns = await _delete_queued_turns(js, session_id, report.conversations)
    request = PersonalDataErasureRequested(
        session_id=session_id, conversation_ids=sorted(report.conversations)
    )
    reply = await connection.request(
        subjects.ORDERS_PERSONAL_DATA_ERASE, request.model_dump_json().encode(), timeout=30
    )
    report.orders = OrdersPersonalDataErased.model_validate_json(reply.data).orders
    return report


def register(commands: Any, nats_url: str, login: Callable[[], dict[str, str]]) -> None:
    privacy = commands.add_parser("privacy", help="staff: erase a visitor's data")
    actions = privacy.add_subparsers(dest="action", required=True)
    delete = actions.add_parser(
        "delete", help="erase a session's or a conversation's data, and revoke the session"
    )
    target = delete.add_mutually_exclusive_group(required=True)
    target.add_argument("--session", help="the visitor's session id (from /api/sessions)")
    target.add_argument("--conversation", help="one conversation id")
    delete.add_argument("--nats-url", default=nats_url)
    delete.set_defaults(func=run, login=login)


def run(args: argparse.Namespace) -> int:
    try:
        report = asyncio.run(_erase(args.nats_url, args.login(), args.session, args.conversation))
    except LoginRefused:
        print(REFUSED_LOGIN, file=sys.stderr)
        return 1
    except (NoServersError, OSError):
        print(f"No NATS server answers at {args.nats_url}.", file=sys.stderr)
        return 1
    except (NoRespondersError, NatsTimeoutError):
        print(
            "The orders service did not answer; nothing was left half done on the bus,"
            " run the command again once it is up.",
            file=sys.stderr,
        )
        return 1
    print(
        f"Erased {len(report.conversations)} conversation(s), {report.feedback} feedback "
        f"event(s), {report.queued_turns} queued turn(s); customer data erased from "
        f"{report.orders} order(s)"
        + ("; the session is revoked." if report.session_revoked else ".")
    )
    return 0


async def _erase(
    nats_url: str, login: dict[str, str], session_id: str | None, conversation_id: str | None
) -> ErasureReport:
    connection = await connect(nats_url, login)
    try:
        return await erase(connection, session_id, conversation_id)
    finally:
        await connection.close()
