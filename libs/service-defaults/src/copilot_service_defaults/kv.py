"""NATS KV helpers shared by the services' adapters: a bucket handed over at start, and a
counter that replicas bump at once without losing a count."""

import asyncio
import random

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

MAX_ATTEMPTS = 30


class Contended(RuntimeError):
    """A counter kept changing under every attempt to bump it."""


class AttachedBucket:
    """An adapter over a KV bucket that exists only once the bus is connected: usable after
    `attach` (called at start)."""

    def __init__(self) -> None:
        self._bucket: KeyValue | None = None

    def attach(self, bucket: KeyValue) -> None:
        self._bucket = bucket

    @property
    def _kv(self) -> KeyValue:
        if self._bucket is None:
            raise RuntimeError(f"{type(self).__name__}: the bucket is not attached yet")
        return self._bucket


async def read_count(kv: KeyValue, key: str) -> int:
    try:
        entry = await kv.get(key)
    except KeyNotFoundError:
        return 0
    return int(entry.value or b"0")


async def increment(kv: KeyValue, key: str, amount: int = 1) -> int:
    """Add `amount` with compare-and-set; the new total. A contended bump reads again after
    a short random pause, so replicas counting at once never lose a count."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            await asyncio.sleep(random.uniform(0, 0.002 * attempt))  # nosec B311 # jitter, not a secret
        try:
            entry = await kv.get(key)
        except KeyNotFoundError:
            try:
                await kv.create(key, str(amount).encode())
                return amount
            except KeyWrongLastSequenceError:
                continue  # another replica created it first
        total = int(entry.value or b"0") + amount
        try:
            await kv.update(key, str(total).encode(), last=entry.revision)
            return total
        except KeyWrongLastSequenceError:
            continue  # another replica counted in between
    raise Contended(f"counter {key} stayed contended for {MAX_ATTEMPTS} attempts")
