"""Issue 12: the verifier under a real uvicorn on 127.0.0.1, verified over real HTTP.

The fixture starts the server on a port the system picks, waits until it listens, and stops
it (and its lifespan, which closes the verifier) when the test ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from tests.verifier.world import World, handler
from verifier.http import VerifierSettings, create_app

_WAIT = 30.0  # seconds: a bound on a hung start or stop, not a timing assertion


@pytest.fixture
def base_url(world: World, settings: VerifierSettings) -> Iterator[str]:
    app = create_app(
        settings, transport=handler(world.publisher, world.registry), clock=world.clock
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + _WAIT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        assert server.started, "uvicorn did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(_WAIT)
    assert not thread.is_alive()


def test_a_presentation_verifies_over_real_http(base_url: str, world: World) -> None:
    with httpx.Client(base_url=base_url) as http:
        issued = http.post("/challenges")
        assert issued.status_code == 201
        nonce = issued.json()["challenge"]
        presentation = world.vp(world.signed(), nonce=nonce)
        answer = http.post("/presentations/verify", json={"verifiablePresentation": presentation})
        assert answer.status_code == 200, answer.text
        assert answer.json()["verified"] is True
        again = http.post("/presentations/verify", json={"verifiablePresentation": presentation})
        assert again.status_code == 400
        assert [e["code"] for e in again.json()["errors"]] == ["nonce.reused"]
        assert http.get("/readyz").json() == {"status": "ready"}
