"""One instance per user: a second launch (in this process or another) brings the first to the front."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QDir

from erpsync_gui.ui.single_instance import SingleInstance, server_name

_REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def test_a_second_launch_asks_the_first_to_show_itself(qtbot, key):
    first = SingleInstance(key)
    assert first.is_primary()
    second = SingleInstance(key)
    with qtbot.waitSignal(first.activation_requested, timeout=5000):
        assert not second.is_primary()
    first.close()
    assert SingleInstance(key).is_primary()  # once the first has gone, the next launch is the first again


def test_different_keys_do_not_meet(qtbot, key):
    first = SingleInstance(key)
    other = SingleInstance(key + "-other")
    assert first.is_primary() and other.is_primary()
    assert first.name != other.name
    first.close()
    other.close()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no file behind")
def test_a_socket_file_left_by_a_crash_is_removed(qtbot, key):
    path = Path(QDir.tempPath()) / server_name(key)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # the file stays, nobody listens: what a crashed instance leaves
    assert path.exists()
    instance = SingleInstance(key)
    try:
        assert instance.is_primary()
        assert Path(instance.full_server_name) == path
    finally:
        instance.close()


def test_a_launch_from_another_process_activates_this_one(qtbot, key):
    first = SingleInstance(key)
    assert first.is_primary()
    script = textwrap.dedent(f"""
        import os, sys
        from PySide6.QtCore import QCoreApplication
        from erpsync_gui.ui.single_instance import SingleInstance
        app = QCoreApplication(sys.argv)
        code = 0 if SingleInstance({key!r}).is_primary() else 3
        os._exit(code)  # as erpsync-gui does: no final collection, where the Qt bindings can crash
    """)
    with qtbot.waitSignal(first.activation_requested, timeout=20_000):
        second = subprocess.Popen([sys.executable, "-c", script], cwd=_REPO_ROOT)
    assert second.wait(timeout=20) == 3
    first.close()
