"""The extension layer's in-memory state, shared by every service module and every request thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class LocalState:
    """Per-service stores behind one re-entrant lock.

    One lock for everything keeps cross-service operations atomic (deleting an IVS channel drops its
    stream keys while no request can create one) at a cost nobody notices on a laptop. A store is any
    class constructible without arguments, created on first use, keyed by its type.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._stores: dict[type[Any], Any] = {}

    @contextmanager
    def store(self, kind: type[T]) -> Iterator[T]:
        """Hold the lock and give the store of `kind`; nest freely (the lock is re-entrant)."""
        with self._lock:
            found = self._stores.get(kind)
            if found is None:
                found = kind()
                self._stores[kind] = found
            yield found

    @contextmanager
    def frozen(self) -> Iterator[dict[type[Any], Any]]:
        """Every store, held still (the lock taken) while the caller reads them: a snapshot's view."""
        with self._lock:
            yield dict(self._stores)

    def replace(self, stores: dict[type[Any], Any]) -> None:
        """Put these stores in place of all the current ones (a snapshot loaded back)."""
        with self._lock:
            self._stores = dict(stores)

    def reset(self) -> None:
        """Forget everything, as moto does on `POST /moto-api/reset`."""
        with self._lock:
            self._stores.clear()


# moto keeps its backends in module globals, so one process has one AWS world whatever the number of
# servers; the extension state lives exactly as long, so the two never disagree about what exists.
PROCESS_STATE = LocalState()
