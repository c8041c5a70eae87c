"""The local AWS server: moto's server app behind the extension gateway, on one loopback port."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from emulator.local_aws.clients import client
from emulator.local_aws.event_sources import EventSources
from emulator.local_aws.functions import FunctionInvoker, Functions
from emulator.local_aws.gateway import Gateway
from emulator.local_aws.persistence import Persistence
from emulator.local_aws.services import default_registry
from emulator.local_aws.state import PROCESS_STATE

logger = logging.getLogger(__name__)

# How often serve_forever checks for shutdown: bounds how long stop() takes.
_POLL_SECONDS = 0.05


class _QuietRequestHandler(MotoRequestHandler):
    """moto's handler (keeps S3 metadata headers with underscores), logging at DEBUG: werkzeug's
    INFO line per request would drown `ugc dev` output in AWS calls."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("local AWS request", extra={"request": self.requestline, "status": str(code)})


def _listening_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        # Lets a restarted server take its port back from connections still in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


class LocalAwsServer:
    """moto in server mode plus the extension layer, served from a background thread.

    moto's backends are process-wide, so every server in one process sees the same resources.
    Functions are per server: `set_functions` plugs in the invoker that runs Cognito triggers, S3
    event handlers and the targets of EventBridge rules (see `emulator.local_aws.functions`).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 4566, *, data_dir: Path | None = None) -> None:
        """`data_dir`: where the state is kept across restarts (loaded at start, saved while serving and at
        stop; see emulator.local_aws.persistence); None keeps it in memory only."""
        self._host = host
        self._port = port
        self._persistence = Persistence(data_dir) if data_dir is not None else None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._functions = Functions()
        self._event_sources = EventSources(PROCESS_STATE, self._functions.invoke, lambda: self._functions.available)

    def set_functions(self, invoker: FunctionInvoker | None) -> None:
        """Run the project's functions with `invoker` from now on; None goes back to plain moto (no
        triggers, no events). Callable before or after start()."""
        self._functions.set_invoker(invoker)

    def wait_for_events(self, timeout: float = 5.0) -> bool:
        """Wait until every asynchronous event (S3 notifications, EventBridge deliveries, SQS messages
        sent through this server) was handed to its function, and what those sent in turn; False if
        some were still pending after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if not self._functions.wait_idle(max(left, 0)) or not self._event_sources.wait_idle(max(left, 0.05)):
                return False
            # Both settled; settled still once more (a function may have queued for the other meanwhile).
            if self._functions.wait_idle(0) and self._event_sources.wait_idle(0.05):
                return True

    def start(self) -> None:
        """Bind, then serve in a daemon thread. A busy port raises OSError here, in the caller, and the
        socket listens before this returns, so clients can connect at once."""
        if self._server is not None:
            raise RuntimeError("the local AWS server is already running")
        if self._persistence is not None and self._persistence.load():
            logger.info("local AWS state loaded", extra={"path": str(self._persistence.path)})
        app = Gateway(
            DomainDispatcherApplication(create_backend_app),
            default_registry(),
            PROCESS_STATE,
            self._functions,
            self._event_sources,
        )
        # werkzeug calls sys.exit() when it cannot bind; binding here raises OSError instead.
        with _listening_socket(self._host, self._port) as sock:
            server = make_server(
                self._host, self._port, app, threaded=True, request_handler=_QuietRequestHandler, fd=sock.fileno()
            )
        self._server = server
        # Keep the port chosen for port=0: the endpoint stays valid after stop() and a restart
        # comes back on the same one, so clients configured with it keep working.
        self._port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": _POLL_SECONDS}, name="local-aws", daemon=True
        )
        self._thread.start()
        endpoint = self.endpoint
        self._event_sources.attach(lambda: client(endpoint, "sqs"))
        if self._persistence is not None:
            self._persistence.start()
        logger.info("local AWS listening", extra={"endpoint": self.endpoint})

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        # Events already accepted are still delivered, as S3 would after acknowledging the upload.
        self._functions.close()
        self._event_sources.close()
        if self._persistence is not None:
            self._persistence.stop()  # the last save, once nothing changes any more

    @property
    def port(self) -> int:
        if self._port == 0:
            raise RuntimeError("the port is chosen when the server starts")
        return self._port

    @property
    def endpoint(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host  # IPv6 literals need brackets
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> LocalAwsServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
