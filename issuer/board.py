"""The board: one object holding everything a qualification board's service runs on.

:func:`open_board` builds it from :class:`~issuer.settings.IssuerSettings` once, where a
service starts (the HTTP app's lifespan, a CLI command, a bulk worker): the board's store
(:mod:`issuer.store`), its status registry and publisher (:mod:`issuer.status`), its signing
key and the :class:`~issuer.service.Issuer` that secures with it. Routes and commands get the
board and call its parts; they never open a database session themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from issuer.certificates import board_x5c
from issuer.identity import Identity, identity_of
from issuer.keys import open_signer
from issuer.service import Issuer
from issuer.settings import IssuerSettings
from issuer.status import RegistryConfig, StatusRegistry
from issuer.status.publish import PublisherConfig, StatusPublisher
from issuer.store import BoardStore
from vc_core.clock import Clock, system_clock
from vc_core.keys import Signer
from vc_schemas.builder import IssuerProfile
from vc_schemas.registry import loader as schemas_loader

__all__ = ["Board", "open_board"]


@dataclass
class Board:
    """A board's store, status registry, publisher and signing key (see the module)."""

    settings: IssuerSettings
    store: BoardStore
    registry: StatusRegistry
    publisher: StatusPublisher
    issuer: Issuer
    clock: Clock
    #: Releases the signing key :func:`open_board` opened itself (a PKCS#11 session).
    release_signer: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def did(self) -> str:
        return self.publisher.issuer

    @property
    def identity(self) -> Identity:
        """The board's DID and verification method (did:key, or did:web of its host)."""
        return identity_of(self.issuer.signer, self.settings.did_method, self.settings.public_url)

    @property
    def profile(self) -> IssuerProfile:
        """The board as the Open Badges ``Profile`` its credentials name."""
        return IssuerProfile(id=self.did, name=self.settings.name, url=self.settings.public_url)

    def close(self) -> None:
        self.registry.close()
        self.store.close()
        if self.release_signer is not None:
            self.release_signer()


def board_signer(settings: IssuerSettings) -> Signer:
    """The board's signing key: a key file, a PKCS#11 token, or a development board's own
    (:func:`issuer.keys.open_signer`)."""
    return open_signer(settings)


def open_board(
    settings: IssuerSettings, *, clock: Clock = system_clock, signer: Signer | None = None
) -> Board:
    """The board ``settings`` describe, its databases migrated (safe to run concurrently)."""
    release: Callable[[], None] | None = None
    if signer is None:
        signer = board_signer(settings)
        release = getattr(signer, "close", None)
    try:
        board = _assemble(settings, clock, signer)
    except BaseException:
        if release is not None:
            release()
        raise
    board.release_signer = release
    return board


def _assemble(settings: IssuerSettings, clock: Clock, signer: Signer) -> Board:
    # A did:web board signs its lists and credentials as the did:web of its host.
    identity = identity_of(signer, settings.did_method, settings.public_url)
    x5c = (
        board_x5c(settings, signer.public_key, identity.did, clock()) if settings.sd_jwt_x5c else ()
    )
    loader = schemas_loader()
    store = BoardStore.open(settings.database("issuer"), clock=clock)
    try:
        registry = StatusRegistry.open(
            settings.database("status"),
            RegistryConfig(
                base_url=settings.status_base_url,
                list_size=settings.status_list_size,
                purposes=settings.status_purposes,
            ),
            now=clock,
        )
    except BaseException:
        store.close()
        raise
    publisher = StatusPublisher(
        registry,
        signer=signer,
        issuer=identity.did,
        verification_method=identity.verification_method,
        loader=loader,
        config=PublisherConfig(ttl=timedelta(seconds=settings.status_list_ttl_seconds)),
    )
    issuer = Issuer(
        signer=signer,
        registry=registry,
        loader=loader,
        clock=clock,
        verification_method=identity.verification_method,
        x5c=x5c,
    )
    return Board(settings, store, registry, publisher, issuer, clock)
