"""The page is served by the verifier app: the same world and client as its VC-API tests."""

from tests.verifier.http.conftest import client, settings, world

__all__ = ["client", "settings", "world"]
