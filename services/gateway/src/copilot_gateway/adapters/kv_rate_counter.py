"""Request counters per rate-limit window, in a NATS KV bucket all gateway replicas share
(compare-and-set: concurrent replicas never lose a count; the bucket's age limit removes
windows that have passed)."""

from copilot_service_defaults.kv import AttachedBucket, increment


class KvRateCounter(AttachedBucket):
    async def increment(self, key: str) -> int:
        """Count one more request; the count including it."""
        return await increment(self._kv, key)
