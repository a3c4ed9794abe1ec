"""Request counters per rate-limit window, in a NATS KV bucket all gateway replicas share
(compare-and-set: concurrent replicas never lose a count; the bucket's age limit removes
windows that have passed)."""

from copilot_service_defaults.kv import AttachedBucket, Contended, increment

from copilot_gateway.domain.rate_limits import CounterContended


class KvRateCounter(AttachedBucket):
    async def increment(self, key: str) -> int:
        """Count one more request; the count including it."""
        try:
            return await increment(self._kv, key)
        except Contended as exc:
            raise CounterContended(key) from exc
