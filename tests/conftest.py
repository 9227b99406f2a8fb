"""Fixtures shared by the tests."""

from __future__ import annotations

import socket
from typing import Any

import pytest


class NetworkBlocked(RuntimeError):
    """A test tried to reach beyond this machine."""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection, loopback included: replay must not need one."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise NetworkBlocked(f"network blocked in this test: connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
