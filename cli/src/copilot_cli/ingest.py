"""`copilot ingest`: ask the RAG service to re-index a source, and show how it goes."""

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from copilot_contracts import subjects
from copilot_contracts.rag import (
    RagReindexCompleted,
    RagReindexFailed,
    RagReindexRequested,
    ReindexEventPublished,
    ReindexProgressed,
    ReindexSkippedFile,
)
from nats.aio.subscription import Subscription
from nats.errors import NoServersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import NoStreamResponseError
from tqdm import tqdm

from copilot_cli.nats_logins import REFUSED_LOGIN, LoginRefused, connect

QUEUED_NOTICE_S = 15.0


def build_request(
    path: str | None, urls: str | None, name: str | None, rebuild: bool
) -> RagReindexRequested:
    """The service reads the source itself, so it gets an absolute path."""
    source = urls or path
    return RagReindexRequested(
        source=str(Path(source).resolve()) if source else None,
        url_list=urls is not None,
        source_name=name,
        rebuild=rebuild,
    )


def ingest(
    nats_url: str, request: RagReindexRequested, timeout_s: float, login: dict[str, str]
) -> int:
    try:
        return asyncio.run(_ingest(nats_url, login, request, timeout_s, sys.stderr))
    except LoginRefused:
        print(REFUSED_LOGIN, file=sys.stderr)
        return 2
    except (NoServersError, OSError) as exc:
        print(f"Cannot reach NATS at {nats_url} ({exc}). Is `make run` running?", file=sys.stderr)
        return 2


async def _ingest(
    nats_url: str,
    login: dict[str, str],
    request: RagReindexRequested,
    timeout_s: float,
    out: TextIO,
) -> int:
    nc = await connect(nats_url, login)
    try:
        events = await nc.subscribe(subjects.rag_reindex_events(request.id))
        try:
            await nc.jetstream().publish(
                subjects.RAG_REINDEX_REQUESTED,
                request.model_dump_json().encode(),
                headers={"Nats-Msg-Id": request.id},
                timeout=5,
            )
        except NoStreamResponseError:
            print("The RAG service has not set up its re-index queue: is it running?", file=out)
            return 2
        return await _follow(events, timeout_s, out)
    finally:
        await nc.drain()


async def _follow(events: Subscription, timeout_s: float, out: TextIO) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    bar: tqdm[None] | None = None
    waited_notice = False
    try:
        while (left := deadline - loop.time()) > 0:
            try:
                msg = await events.next_msg(timeout=min(left, QUEUED_NOTICE_S))
            except (TimeoutError, NatsTimeoutError):
                if bar is None and not waited_notice:
                    print("Queued; waiting for a RAG service to take it…", file=out)
                    waited_notice = True
                continue
            event = ReindexEventPublished.model_validate_json(msg.data).event
            if isinstance(event, ReindexProgressed):
                if bar is None:
                    bar = tqdm(total=event.total, unit="doc", file=out, desc="Indexing")
                bar.update(event.done - bar.n)
                bar.set_postfix_str(event.current[-40:], refresh=False)
            elif isinstance(event, ReindexSkippedFile):
                tqdm.write(f"skipped {event.name}: {event.reason}", file=out)
            elif isinstance(event, RagReindexCompleted):
                if bar is not None:
                    bar.close()
                print(_summary(event), file=out)
                return 0
            elif isinstance(event, RagReindexFailed):
                if bar is not None:
                    bar.close()
                print(f"Re-index failed ({event.code}): {event.message}", file=out)
                return 1
    finally:
        if bar is not None:
            bar.close()
    print(f"No result within {timeout_s:.0f}s; the re-index may still finish.", file=out)
    return 1


def _summary(done: RagReindexCompleted) -> str:
    return (
        f"Indexed '{done.source_name}' in {done.seconds:.1f}s: {done.added} added, "
        f"{done.updated} updated, {done.unchanged} unchanged, {done.removed} removed, "
        f"{done.skipped} skipped ({done.chunks_embedded} passages embedded)."
    )
