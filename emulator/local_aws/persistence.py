"""The local AWS kept across restarts: moto's backends and the extension layer's stores, in one file.

Everything the local AWS holds lives in this process's memory (moto's `BackendDict`s, `PROCESS_STATE`), so
persisting it is a snapshot of those objects: pickled while no request is being handled (and only when
requests were handled since the last one: an idle stack saves nothing), written to a
temporary file, flushed to disk and renamed over the previous one. A hard kill (SIGKILL) therefore loses
at most what changed since the last snapshot (`INTERVAL_SECONDS`), and never leaves a half-written file:
the rename is atomic, so the file is the old snapshot or the new one.

What cannot be pickled as it is gets rebuilt on load: locks are new locks, weak caches start empty,
private keys (Cognito's) go through PEM, S3's spooled object buffers through their bytes. Live broadcasts
are kept as they were, to be ended once the functions are back (`end_interrupted_broadcasts`): a restart
ends them, as it ends the encoders feeding them, and IVS's end events bring the channels offline.

The file starts with a header naming its format; a file of another format is refused with what to do,
never half-loaded.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from moto.core.base_backend import BackendDict

from emulator.local_aws.state import PROCESS_STATE

logger = logging.getLogger(__name__)

# Bumped whenever what a snapshot holds changes shape (a moto upgrade can, too: its version is checked).
FORMAT = 1
STATE_FILE = "local-aws.state"
INTERVAL_SECONDS = 1.0
_MAGIC = b"ugc-local-aws\n"
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
# moto's Lambda holds nothing of the local stack's: its functions run in the local runtime, and the event
# source mappings it is asked for are the extension layer's (`Mappings`, kept with the other stores).
_NOT_KEPT = ("moto.awslambda",)
_WEAK_TYPES = (weakref.WeakValueDictionary, weakref.WeakKeyDictionary, weakref.WeakSet)


class StateFileError(RuntimeError):
    """The data folder holds a state this version cannot load."""


# --- quiescence: snapshots are taken between requests --------------------------------------------
class Quiescence:
    """Requests enter and leave; a snapshot waits until none is inside, and keeps new ones out while it
    pickles (a few milliseconds). Readers first: a request that makes another one (a Cognito trigger
    calling back) is never blocked behind a waiting snapshot, which simply tries again later."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._inside = 0
        self._paused = False
        # Requests handled so far: a snapshot is due only when it moved (an idle stack saves nothing).
        self.handled = 0

    @contextmanager
    def request(self) -> Iterator[None]:
        with self._condition:
            while self._paused:
                self._condition.wait()
            self._inside += 1
        try:
            yield
        finally:
            with self._condition:
                self._inside -= 1
                self.handled += 1
                self._condition.notify_all()

    @contextmanager
    def paused(self, timeout: float) -> Iterator[bool]:
        """True inside when no request is being handled; False if that did not happen within `timeout`."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._inside == 0, timeout):
                yield False
                return
            self._paused = True
        try:
            yield True
        finally:
            with self._condition:
                self._paused = False
                self._condition.notify_all()


QUIESCENCE = Quiescence()


# --- what is saved ----------------------------------------------------------------------------------
def _backends() -> dict[str, BackendDict[Any]]:
    """Every moto BackendDict this process has used, by `module:attribute` (the same dict is reachable
    from several modules; the first name found for it is kept)."""
    found: dict[int, tuple[str, BackendDict[Any]]] = {}
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("moto.") or module is None or module_name.startswith(_NOT_KEPT):
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, BackendDict) and id(value) not in found:
                found[id(value)] = (f"{module_name}:{attribute}", value)
    return dict(found.values())


def _load_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(pem, None)


def _spooled(data: bytes, max_size: int) -> tempfile.SpooledTemporaryFile[bytes]:
    # Returned open, as moto holds it (its object's value buffer).
    buffer: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(max_size=max_size)  # noqa: SIM115
    buffer.write(data)
    buffer.seek(0)
    return buffer


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _LOCK_TYPES):
            return (type(obj), ())
        if isinstance(obj, threading.Condition):
            return (threading.Condition, ())
        if isinstance(obj, threading.Event):
            return (threading.Event, ())
        if isinstance(obj, _WEAK_TYPES):
            return (type(obj), ())  # caches of objects that are kept elsewhere (or gone)
        if isinstance(obj, tempfile.SpooledTemporaryFile):
            position = obj.tell()
            obj.seek(0)
            data = obj.read()
            obj.seek(position)
            return (_spooled, (data, getattr(obj, "_max_size", 0)))
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        if isinstance(obj, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            pem = obj.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            return (_load_key, (pem,))
        return NotImplemented


def _versions() -> dict[str, str]:
    import moto

    return {"format": str(FORMAT), "moto": moto.__version__}


def dumps() -> bytes:
    """The whole local AWS, as bytes (call it between requests: `Persistence.save` does)."""
    buffer = io.BytesIO()
    buffer.write(_MAGIC)
    pickler = _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dump(_versions())
    pickler.clear_memo()  # the header is read on its own: nothing after it may refer back into it
    with PROCESS_STATE.frozen() as stores:  # the extension layer's lock held while its stores are pickled
        pickler.dump({"backends": {name: dict(b) for name, b in _backends().items()}, "stores": stores})
    return buffer.getvalue()


def loads(data: bytes, source: Path) -> None:
    """Put a snapshot back in place of what this process holds. Refused as a whole (StateFileError) when
    the snapshot is of another format or moto version, or unreadable."""
    if not data.startswith(_MAGIC):
        raise StateFileError(f"{source} is not a state file of the local stack: move it away or start with --reset")
    reader = io.BytesIO(data[len(_MAGIC) :])
    try:
        versions = pickle.load(reader)  # noqa: S301 - our own file, in the user's own data folder
        if versions != _versions():
            raise StateFileError(
                f"{source} was written by another version of the local stack ({versions}, this one is "
                f"{_versions()}): start with --reset to begin afresh (its users, channels and data are lost)"
            )
        state = pickle.load(reader)  # noqa: S301
    except StateFileError:
        raise
    except Exception as exc:  # a truncated or corrupted file: refuse it whole
        raise StateFileError(f"{source} cannot be read ({exc}): start with --reset to begin afresh") from exc
    backends = _backends()
    import importlib

    for name, contents in state["backends"].items():
        target = backends.get(name)
        if target is None:
            module_name, attribute = name.split(":")
            target = getattr(importlib.import_module(module_name), attribute)
        target.clear()
        target.update(contents)
    PROCESS_STATE.replace(state["stores"])


class Persistence:
    """Loads the data folder's state at start, then saves it every INTERVAL_SECONDS while requests changed
    something, and once more at stop."""

    def __init__(self, folder: Path, interval: float = INTERVAL_SECONDS) -> None:
        self.folder = folder
        self.path = folder / STATE_FILE
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._saved: bytes | None = None
        self._saved_at = -1  # QUIESCENCE.handled when last saved

    def load(self) -> bool:
        """Whether a saved state was loaded (False: the folder has none yet)."""
        if not self.path.exists():
            return False
        data = self.path.read_bytes()
        loads(data, self.path)
        self._saved = data
        return True

    def save(self, timeout: float = 5.0) -> bool:
        """Write the state if it changed; False when requests kept coming for `timeout` seconds."""
        with QUIESCENCE.paused(timeout) as quiet:
            if not quiet:
                return False
            if QUIESCENCE.handled == self._saved_at:
                return True  # no request since the last save: nothing can have changed
            handled = QUIESCENCE.handled
            data = dumps()
        self._saved_at = handled
        if data == self._saved:
            return True
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(self.path)
        directory = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)
        self._saved = data
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-aws-persistence", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            started = time.monotonic()
            try:
                self.save(timeout=self._interval)
            except Exception:  # a failed save must not stop the next ones
                logger.exception("saving the local AWS state failed")
            logger.debug("state saved in %.3f s", time.monotonic() - started)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.save(timeout=30)


def end_interrupted_broadcasts(endpoint: str) -> int:
    """Stop the broadcasts the state says were live when the stack stopped (their encoders went with it):
    IVS's Stream End and Session Ended then reach the stream events function, and the channels go offline.
    Call it once the functions run again. How many were stopped."""
    from emulator.local_aws.clients import client

    ivs = client(endpoint, "ivs")
    stopped = 0
    for stream in ivs.list_streams().get("streams", []):
        try:
            ivs.stop_stream(channelArn=stream["channelArn"])
        except ivs.exceptions.ChannelNotBroadcasting:
            continue
        stopped += 1
    return stopped
