"""A hospital's verifier over real HTTP for wallet tests: the world of ``tests/verifier/world``
at the present time (wallets sign with the real clock), its trust registry, and the app under
uvicorn on a loopback port (development settings: OpenID4VP with a self-signed certificate,
which wallets must be given as a verifier root: :func:`development_certificate`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from tests.serving import serving
from tests.verifier.world import BASE, World, handler, make_world
from vc_core.clock import FixedClock
from verifier.http import VerifierSettings, create_app
from verifier.oid4vp.identity import DEVELOPMENT_CERTIFICATE

__all__ = ["development_certificate", "hospital"]


def development_certificate(folder: Path) -> Path:
    """The served hospital's self-signed request-signing certificate (PEM, no key), made
    when it starts: the verifier root a wallet needs to trust it."""
    return folder / "verifier" / "oid4vp" / DEVELOPMENT_CERTIFICATE


@contextmanager
def hospital(
    folder: Path, port: int, *, anchors: Sequence[Path] = ()
) -> Iterator[tuple[World, str]]:
    """The world and the served verifier's base URL (``anchors``: JPKI roots for card mode)."""
    (folder / "world").mkdir(parents=True, exist_ok=True)
    world = make_world(folder / "world", clock=FixedClock(datetime.now(UTC)))
    registry = folder / "trust.toml"
    world.trust.save(registry)
    url = f"http://127.0.0.1:{port}"
    settings = VerifierSettings.load(
        data_dir=folder / "verifier",
        audience=url,
        trust_registry=registry,
        status_allow=(BASE + "/",),
        jpki_anchors=tuple(anchors),
        environment="development",
    )
    app = create_app(
        settings, transport=handler(world.publisher, world.registry), clock=world.clock
    )
    try:
        with serving(app, port) as served:
            yield world, served
    finally:
        world.registry.close()
