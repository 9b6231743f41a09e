"""kombu's Redis transport, minus a Redis client built for every published task.

kombu's Redis channel builds a new `redis.Redis` for each command it sends outside the consumer
loop (`Channel.conn_or_acquire`), publishing included. The client is only a front to the
channel's connection pool, and building one costs more CPU than the LPUSH it then sends
(redis-py fills its table of response callbacks anew each time): about 0.15 ms of each of the
two publishes of an invitation (docs/performance.md). This channel keeps one client per
connection pool instead. A `redis.Redis` is safe to share between threads (every command takes
a connection from the pool and gives it back), and it is rebuilt whenever the channel replaces
its pool (after a fork, on close), so connections, timeouts and retries are exactly kombu's.

Selected by `CELERY_BROKER_TRANSPORT` for `redis://` broker URLs (see the settings).
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    # `_create_client` is kombu's own, missing from its type stubs.
    _shared_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            # The consumer loop's clients are already built once per channel.
            return super()._create_client(asynchronous=True)  # type: ignore[misc]
        pool = self.pool
        client = self._shared_client
        if client is None or client.connection_pool is not pool:
            client = super()._create_client()  # type: ignore[misc]
            self._shared_client = client
        return client


class RedisTransport(kombu_redis.Transport):
    Channel = Channel
