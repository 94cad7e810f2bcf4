"""Job queue + locks: in-process by default, Redis (plain or Sentinel) with --redis-url.

With Redis, every sim sharing it pops from one list, so a job runs once however many sims
there are, and `acquire_once` lets only one of them fire a given schedule tick.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from urllib.parse import unquote, urlsplit

LOG = logging.getLogger("harbor_sim.jobqueue")
QUEUE_KEY = "harbor_sim:jobs"
LOCK_PREFIX = "harbor_sim:lock:"


class _Base:
    def __init__(self):
        self._threads = []
        self._stopping = threading.Event()

    def start(self, handler, workers: int = 2) -> None:
        """handler(job: dict) runs in worker threads; exceptions are logged, never fatal."""
        for n in range(workers):
            t = threading.Thread(target=self._loop, args=(handler,), daemon=True,
                                 name=f"harbor-sim-job-{n}")
            t.start()
            self._threads.append(t)

    def _loop(self, handler):
        while not self._stopping.is_set():
            try:
                job = self._pop(1.0)
            except Exception as exc:  # Redis down: keep trying, like jobservice does
                LOG.warning("job queue unavailable: %s", exc)
                time.sleep(1)
                continue
            if job is None:
                continue
            try:
                handler(job)
            except Exception:
                LOG.exception("job %s failed", job)

    def stop(self) -> None:
        self._stopping.set()
        self._wake(len(self._threads))
        for t in self._threads:
            t.join(timeout=5)

    def _wake(self, count) -> None:
        """Unblock idle workers so shutdown does not wait for a poll timeout."""


class InProcessQueue(_Base):
    def __init__(self):
        super().__init__()
        self._q = queue.Queue()
        self._locks = {}
        self._lock = threading.Lock()

    def submit(self, job: dict) -> None:
        self._q.put(job)

    def _pop(self, timeout):
        try:
            return self._q.get(timeout=timeout)
        except queue.Empty:
            return None

    def _wake(self, count) -> None:
        for _ in range(count):
            self._q.put(None)

    def acquire_once(self, key: str, ttl: int = 60) -> bool:
        now = time.monotonic()
        with self._lock:
            expiry = self._locks.get(key)
            if expiry and expiry > now:
                return False
            self._locks[key] = now + ttl
            return True


# Short timeouts, as real Harbor's go-redis client has: a Sentinel on a dead host costs at most
# about a second before the next one is asked, instead of stalling a health check past its 10 s.
SENTINEL_TIMEOUT = 1.0
SERVER_CONNECT_TIMEOUT = 2.0
SERVER_TIMEOUT = 3.0  # above the 0.5 s BLPOP poll
_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()


def redis_client(url: str):
    """redis://[:pw@]host:port/db or redis+sentinel://[:pw@]h1:p,h2:p/master[/db].

    One client per target, kept for the process (like Harbor's one failover client): its pool
    reuses connections, and the Sentinel that answered moves to the front of its list, so a dead
    Sentinel listed first is not asked again on every call.
    """
    if not url.startswith("redis+sentinel://"):
        key, build, args = ("redis", url), _plain_client, (url,)
    else:
        nodes, master, db, password = _parse_sentinel_url(url)
        key, build, args = ("sentinel", tuple(nodes), master, db, password), _sentinel_client, (nodes, master, db, password)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = build(*args)
        return client


def _plain_client(url):
    import redis

    return redis.Redis.from_url(url, socket_timeout=SERVER_TIMEOUT, socket_connect_timeout=SERVER_CONNECT_TIMEOUT)


def _parse_sentinel_url(url):
    rest = url[len("redis+sentinel://"):]
    password = None
    if "@" in rest:
        cred, rest = rest.rsplit("@", 1)
        password = unquote(cred.split(":", 1)[-1]) or None
    hosts, _, path = rest.partition("/")
    parts = [p for p in path.split("/") if p]
    if not parts:
        raise ValueError("redis+sentinel URL needs a master set name: redis+sentinel://h1:p,h2:p/master/db")
    master = parts[0]
    db = int(parts[1]) if len(parts) > 1 else 0
    nodes = []
    for item in hosts.split(","):
        host, _, port = item.rpartition(":")
        nodes.append((host or item, int(port) if port else 26379))
    return nodes, master, db, password


def _harbor_sentinel_class():
    from redis.exceptions import ConnectionError as RedisConnectionError, ResponseError, TimeoutError as RedisTimeoutError
    from redis.sentinel import MasterNotFoundError, Sentinel

    class HarborSentinel(Sentinel):
        """Asks the Sentinels as Harbor does: `SENTINEL get-master-addr-by-name <master>`, without
        a password (Harbor's clients send external_redis' password only to the master: the
        FZambia/sentinel dial of src/lib/redis/pool.go and goharbor/distribution's
        registry/handlers/app.go gets no password option, src/lib/cache/redis/util.go sets
        FailoverOptions.Password but no SentinelPassword; goharbor/harbor#14757). redis-py's own
        discovery sends `SENTINEL MASTERS`, which a Sentinel that only lets unauthenticated clients
        ask for the master's address refuses, while Harbor works there."""

        def discover_master(self, service_name):
            errors = []
            for number, sentinel in enumerate(self.sentinels):
                try:
                    answer = sentinel.execute_command("SENTINEL GET-MASTER-ADDR-BY-NAME", service_name)
                except (RedisConnectionError, RedisTimeoutError, ResponseError) as exc:
                    errors.append(f"{sentinel} - {exc!r}")
                    continue
                if answer:
                    # the Sentinel that answered is asked first next time (FZambia's putToTop)
                    self.sentinels[0], self.sentinels[number] = sentinel, self.sentinels[0]
                    host, port = answer[0], answer[1]
                    return (host.decode() if isinstance(host, bytes) else host), int(port)
            raise MasterNotFoundError(f"No master found for {service_name!r}" + (" : " + ", ".join(errors) if errors else ""))

    return HarborSentinel


def _sentinel_client(nodes, master, db, password):
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # No retry on one Sentinel: the next one in the list is the retry.
    sentinel_kwargs = {"socket_connect_timeout": SENTINEL_TIMEOUT, "socket_timeout": SENTINEL_TIMEOUT,
                       "retry": Retry(NoBackoff(), 0)}
    sentinel = _harbor_sentinel_class()(nodes, sentinel_kwargs=sentinel_kwargs)
    # One retry on the master: a connection to a master that died is replaced by one to the
    # master Sentinel names now.
    return sentinel.master_for(master, db=db, password=password, socket_timeout=SERVER_TIMEOUT,
                               socket_connect_timeout=SERVER_CONNECT_TIMEOUT, retry=Retry(NoBackoff(), 1))


class RedisQueue(_Base):
    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.redis = redis_client(url)

    def submit(self, job: dict) -> None:
        self.redis.rpush(QUEUE_KEY, json.dumps(job))

    def _pop(self, timeout):
        # short poll: a worker notices shutdown quickly (a wake item could go to another sim)
        item = self.redis.blpop([QUEUE_KEY], timeout=0.5)
        if not item:
            return None
        return json.loads(item[1])

    def acquire_once(self, key: str, ttl: int = 60) -> bool:
        return bool(self.redis.set(LOCK_PREFIX + key, "1", nx=True, ex=ttl))


def make_queue(redis_url: str | None):
    if redis_url:
        # fail early with a clear message when the URL is malformed
        scheme = urlsplit(redis_url).scheme
        if scheme not in ("redis", "rediss", "redis+sentinel", "unix"):
            raise ValueError(f"--redis-url: unsupported scheme {scheme!r}")
        return RedisQueue(redis_url)
    return InProcessQueue()
