"""Fixtures shared by the tests."""

from __future__ import annotations

import pytest
from support import block_network


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection, loopback included: replay must not need one."""
    block_network(monkeypatch)
