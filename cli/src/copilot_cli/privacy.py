"""`copilot privacy delete --session ID | --conversation ID`: erase a visitor's data.

What the bus holds is erased here, as operator: the conversation records, working memory,
transcripts and token totals, the visitor's feedback, reports not yet sent, any turn still
queued and any dead letter of theirs; the session is revoked, so its tokens stop working.
The orders service erases the customer's name, email and note from the visitor's orders (an
order is kept: it is a business record)."""

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.privacy import (
    InsightsPersonalDataErased,
    OrdersPersonalDataErased,
    PersonalDataErasureRequested,
)
from copilot_contracts.replies import read_reply
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NoKeysError, NotFoundError
from nats.js.kv import KeyValue

from copilot_cli.erasure_streams import delete_by_sequence, delete_events
from copilot_cli.nats_logins import connect, on_the_bus

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
    dead_letters: int = 0
    insights_rows: int = 0
    pending_reports: int = 0
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
    """The session's conversations (added to those named) and the records of their turns:
    from the conversation records (kept a day) and from the transcripts' index (kept as long
    as the transcripts)."""
    owned = set(conversations)
    transcripts = await _bucket(js, subjects.HISTORY_BUCKET)
    if session_id and transcripts is not None:
        with contextlib.suppress(NoKeysError):
            index = await transcripts.keys(filters=[f"session.{session_id}.*"])
            owned |= {key.rsplit(".", 1)[-1] for key in index}
    bucket = await _bucket(js, subjects.CONVERSATIONS_BUCKET)
    if bucket is None:
        return owned, set()
    try:
        keys = await bucket.keys()
    except NoKeysError:
        return owned, set()
    records = {}
    for key in keys:
        try:
            records[key] = json.loads((await bucket.get(key)).value or b"{}")
        except KeyNotFoundError:
            continue  # expired meanwhile
    owned |= {
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
    js: JetStreamContext, session_id: str | None, conversations: set[str], turn_records: set[str]
) -> None:
    records = await _bucket(js, subjects.CONVERSATIONS_BUCKET)
    for key in turn_records if records else ():
        await records.purge(key)  # type: ignore[union-attr]
    transcripts = await _bucket(js, subjects.HISTORY_BUCKET)
    if session_id and transcripts is not None:
        for conversation_id in conversations:
            await transcripts.purge(subjects.transcript_index(session_id, conversation_id))
    for name in CONVERSATION_BUCKETS:
        bucket = await _bucket(js, name)
        for conversation_id in conversations if bucket else ():
            await bucket.purge(conversation_id)  # type: ignore[union-attr]
    spend = await _bucket(js, subjects.SPEND_BUCKET)
    for conversation_id in conversations if spend else ():
        await spend.purge(f"conversation.{conversation_id}")  # type: ignore[union-attr]


async def _forget_reports(
    js: JetStreamContext, session_id: str | None, conversations: set[str]
) -> int:
    """Reports prepared and not sent hold the visitor's own words, unredacted."""
    bucket = await _bucket(js, subjects.PENDING_ISSUES_BUCKET)
    if bucket is None:
        return 0
    try:
        keys = await bucket.keys()
    except NoKeysError:
        return 0
    forgotten = 0
    for key in keys:
        try:
            request = json.loads((await bucket.get(key)).value or b"{}").get("request", {})
        except KeyNotFoundError:
            continue
        if (session_id and request.get("session_id") == session_id) or request.get(
            "conversation_id"
        ) in conversations:
            await bucket.purge(key)
            forgotten += 1
    return forgotten


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
    owned = report.conversations
    report.feedback = await delete_events(
        js, subjects.CHAT_EVENTS_STREAM, subjects.CHAT_FEEDBACK_GIVEN, session_id, owned
    )
    for subject in (subjects.CHAT_WIDGET_OPENED, subjects.CHAT_CONFIRMATION_WILDCARD):
        await delete_events(js, subjects.CHAT_EVENTS_STREAM, subject, session_id, owned)
    await delete_events(
        js, subjects.INSIGHTS_STREAM, subjects.INSIGHTS_TURN_WILDCARD, session_id, owned
    )
    await _forget_conversations(js, session_id, owned, turn_records)
    report.queued_turns = await delete_by_sequence(
        js, subjects.CHAT_TURNS_STREAM, session_id, owned
    )
    report.dead_letters = await delete_by_sequence(
        js, subjects.DEAD_LETTERS_STREAM, session_id, owned
    )
    report.pending_reports = await _forget_reports(js, session_id, owned)
    request = PersonalDataErasureRequested(
        session_id=session_id, conversation_ids=sorted(report.conversations)
    )
    reply = await connection.request(
        subjects.ORDERS_PERSONAL_DATA_ERASE, request.model_dump_json().encode(), timeout=30
    )
    report.orders = read_reply(
        reply.data, OrdersPersonalDataErased, subjects.ORDERS_PERSONAL_DATA_ERASE
    ).orders
    reply = await connection.request(
        subjects.INSIGHTS_PERSONAL_DATA_ERASE, request.model_dump_json().encode(), timeout=30
    )
    report.insights_rows = read_reply(
        reply.data, InsightsPersonalDataErased, subjects.INSIGHTS_PERSONAL_DATA_ERASE
    ).rows
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


# Session and conversation ids are 32 hex characters; anything else names no visitor.
_ID = re.compile(r"^[0-9a-f]{32}$")


def run(args: argparse.Namespace) -> int:
    named = args.session or args.conversation
    if not _ID.match(named):
        what = "session" if args.session else "conversation"
        print(
            f"{named!r} is not a {what} id (32 hexadecimal characters, as the API gives "
            "them); nothing was changed.",
            file=sys.stderr,
        )
        return 2
    report = on_the_bus(
        _erase(args.nats_url, args.login(), args.session, args.conversation),
        args.nats_url,
        "The orders or insights service did not answer; nothing was left half done on the bus,"
        " run the command again once it is up.",
    )
    if report is None:
        return 1
    print(
        f"Erased {len(report.conversations)} conversation(s), {report.feedback} feedback "
        f"event(s), {report.pending_reports} unsent report(s), {report.queued_turns} queued "
        f"turn(s), {report.dead_letters} dead letter(s), {report.insights_rows} insights "
        f"row(s); customer data erased from {report.orders} order(s)"
        + ("; the session is revoked." if report.session_revoked else ".")
    )
    if not report.conversations:
        print("No conversation was found for it (nothing kept, or past its retention).")
    return 0


async def _erase(
    nats_url: str, login: dict[str, str], session_id: str | None, conversation_id: str | None
) -> ErasureReport:
    connection = await connect(nats_url, login)
    try:
        return await erase(connection, session_id, conversation_id)
    finally:
        await connection.close()
