"""Request counters per rate-limit window, in a NATS KV bucket all gateway replicas share.

A counter is bumped with compare-and-set, so concurrent replicas never lose a count; the
bucket's age limit removes windows that have passed."""

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

MAX_ATTEMPTS = 8


class KvRateCounter:
    """Usable once `attach` gave it the bucket (at start, when the bus is connected)."""

    def __init__(self) -> None:
        self._bucket: KeyValue | None = None

    def attach(self, bucket: KeyValue) -> None:
        self._bucket = bucket

    @property
    def _kv(self) -> KeyValue:
        if self._bucket is None:
            raise RuntimeError("the bucket is not attached yet")
        return self._bucket

    async def increment(self, key: str) -> int:
        """Count one more request; the count including it."""
        for _ in range(MAX_ATTEMPTS):
            try:
                entry = await self._kv.get(key)
            except KeyNotFoundError:
                try:
                    await self._kv.create(key, b"1")
                    return 1
                except KeyWrongLastSequenceError:
                    continue  # another replica created it first
            count = int(entry.value or b"0") + 1
            try:
                await self._kv.update(key, str(count).encode(), last=entry.revision)
                return count
            except KeyWrongLastSequenceError:
                continue  # another replica counted in between: read again
        raise RuntimeError(f"rate counter {key} stayed contended for {MAX_ATTEMPTS} attempts")
