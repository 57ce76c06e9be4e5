"""A thread-safe least-recently-used cache (jit's compiled programs, derived programs).

>>> c = LRU(2)
>>> c.get_or_build("a", lambda: 1), c.get_or_build("b", lambda: 2), c.get_or_build("a", lambda: 0)
(1, 2, 1)
>>> c.get_or_build("c", lambda: 3)   # evicts "b", the least recently used
3
>>> sorted(c.keys())
['a', 'c']
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Callable


def size_from_env(name: str, default: int) -> int:
    """A cache bound from the environment variable ``name`` (a positive integer)."""
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


class LRU:
    """At most ``maxsize`` entries; a lookup makes its entry the most recent; ``on_evict(key,
    value)`` is called (outside the lock) for each entry dropped. Builders run outside the lock:
    two threads may build the same entry at once, and the first one stored wins."""

    def __init__(self, maxsize: int, on_evict: Callable | None = None):
        self.maxsize = maxsize
        self.on_evict = on_evict
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            try:
                self._data.move_to_end(key)
            except KeyError:
                return default
            return self._data[key]

    def put(self, key, value):
        """Store ``value`` unless ``key`` is already there; returns the stored value."""
        evicted = []
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            self._data[key] = value
            while len(self._data) > self.maxsize:
                evicted.append(self._data.popitem(last=False))
        if self.on_evict is not None:
            for k, v in evicted:
                self.on_evict(k, v)
        return value

    def get_or_build(self, key, build: Callable):
        got = self.get(key, _MISSING)
        if got is not _MISSING:
            return got
        return self.put(key, build())

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def keys(self):
        with self._lock:
            return list(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key) -> bool:
        return key in self._data


_MISSING = object()
