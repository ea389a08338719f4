"""One app per user: the first launch listens on a local socket (a named pipe on Windows); a second launch
finds it, asks it to come to the front, and leaves."""

from __future__ import annotations

import getpass
import hashlib
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger("erpsync.ui")

ACTIVATE = b"activate\n"
CONNECT_TIMEOUT_MS = 500
WRITE_TIMEOUT_MS = 1000


def server_name(key: str) -> str:
    """A socket name private to this user and key, short enough for every platform's limit."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name known to the system
        user = "user"
    digest = hashlib.sha256(f"{user}\0{key}".encode()).hexdigest()[:16]
    return f"erpsync-{digest}"


class SingleInstance(QObject):
    """`is_primary()` once at start-up: True for the first instance (which then emits `activation_requested`
    when another launch asks), False for a later one (after it has asked the first to show itself)."""

    activation_requested = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(key)
        self._server: QLocalServer | None = None

    def is_primary(self) -> bool:
        if self._server is not None:
            return True
        if self._ask_running_instance():
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # nobody answered, so what is in the way is the socket file of an instance that crashed
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning("Cannot listen for other launches (%s); more than one instance may run",
                            server.errorString())
                return True
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    @property
    def full_server_name(self) -> str:
        return self._server.fullServerName() if self._server is not None else ""

    def _ask_running_instance(self) -> bool:
        socket = QLocalSocket(self)
        try:
            socket.connectToServer(self.name)
            if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
                return False
            socket.write(ACTIVATE)
            socket.waitForBytesWritten(WRITE_TIMEOUT_MS)
            socket.disconnectFromServer()
            if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
                socket.waitForDisconnected(WRITE_TIMEOUT_MS)
            return True
        finally:
            socket.deleteLater()

    def _accept(self) -> None:
        # bound slots and sender() rather than lambdas: no Python reference cycle keeps sockets half-alive
        while self._server is not None and self._server.hasPendingConnections():
            client = self._server.nextPendingConnection()
            client.readyRead.connect(self._read)
            client.disconnected.connect(client.deleteLater)
            if client.bytesAvailable():
                self._read_from(client)

    def _read(self) -> None:
        client = self.sender()
        if isinstance(client, QLocalSocket):
            self._read_from(client)

    def _read_from(self, client: QLocalSocket) -> None:
        if ACTIVATE.strip() in bytes(client.readAll().data()):
            self.activation_requested.emit()
