"""The live server is shared by the client tests (starting it costs a fraction of a second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.client.live import live_server


@pytest.fixture(scope="session")
def live_url() -> Iterator[str]:
    with live_server() as url:
        yield url
