"""The issuer instances one service answers for, each with its suite, key and identity.

A board signs with one key, but the W3C Data Integrity test suites (and some relying
parties) drive one cryptosuite per issuer endpoint: ``ecdsa-rdfc-2019`` and ``ecdsa-sd-2023``
with a P-256 key, ``eddsa-rdfc-2022`` with an Ed25519 key. :func:`open_instances` builds, from
:attr:`issuer.settings.IssuerSettings.issuer_instances`, one :class:`Instance` per configured
instance on the board's status registry: its :class:`~issuer.service.Issuer` and the
:class:`~issuer.status.publish.StatusPublisher` that signs its status lists under the same
identity (a verifier requires the list's issuer to be the credential's).

An instance whose key type and DID method are the board's and that names no key file signs
with the board's key, as the board. Another needs its key file; a development service makes
one in its data directory on first start (:meth:`IssuerSettings.instance_key_path`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from issuer.board import Board, board_signer
from issuer.identity import Identity, identity_of
from issuer.service import Issuer
from issuer.settings import InstanceSettings, IssuerSettings
from issuer.status import StatusChange
from issuer.status.publish import Publication, PublisherConfig, StatusPublisher
from vc_core.errors import ConfigError, InputError
from vc_core.keys import Signer, generate_key, load_key

__all__ = ["Instance", "Instances", "instance_identities", "open_instances", "signer_of"]

_KEY_TYPES = {"P-256": "p256", "Ed25519": "ed25519"}


@dataclass(frozen=True)
class Instance:
    """One issuer endpoint: its settings, identity, issuer and status-list publisher."""

    settings: InstanceSettings
    identity: Identity
    issuer: Issuer
    publisher: StatusPublisher

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def suite(self) -> str:
        return self.settings.suite


@dataclass(frozen=True)
class Instances:
    """The board's instances by name, and its publishers by the DID they sign as."""

    by_name: Mapping[str, Instance]
    publishers: Mapping[str, StatusPublisher]

    def identities(self) -> list[Identity]:
        return [instance.identity for instance in self.by_name.values()]

    def publisher_of(self, issuer: str) -> StatusPublisher | None:
        return self.publishers.get(issuer)

    def publish_changes(self, board: Board, changes: Iterable[StatusChange]) -> list[Publication]:
        """Republish the lists ``changes`` touched, each by the publisher of its issuer."""
        urls = sorted({change.list_url for change in changes})
        published: list[Publication] = []
        for url in urls:
            publisher = self.publishers.get(board.registry.snapshot(url).info.issuer)
            if publisher is not None:
                published += publisher.publish(url)
        return published


def instance_signer(settings: IssuerSettings, instance: InstanceSettings) -> Signer:
    """An instance's key: its file, or a development instance's own (made on first start)."""
    if instance.signing_key is not None:
        return load_key(instance.signing_key)
    if settings.environment != "development":
        raise ConfigError(
            "config.invalid",
            f"instances.{instance.name}.signing_key: outside development an instance with a "
            "key of its own names its key file",
        )
    return _development_key(settings.instance_key_path(instance.name), _KEY_TYPES[instance.key])


def _development_key(path: Path, key_type: str) -> Signer:
    if path.is_file():
        return load_key(path)
    key = generate_key("ed25519" if key_type == "ed25519" else "p256")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        key.save(path)
    except InputError:  # Another process made it first: use that one.
        return load_key(path)
    return key


def _shares_board_key(
    settings: IssuerSettings, board_key: Signer, instance: InstanceSettings
) -> bool:
    return (
        instance.signing_key is None
        and instance.key == "P-256"
        and instance.did_method == settings.did_method
        and board_key.algorithm == "ES256"
    )


def signer_of(
    settings: IssuerSettings, board_key: Signer, config: InstanceSettings, given: Signer | None
) -> Signer:
    """The key an instance signs with: ``given``, the board's (see the module), or its own."""
    if given is not None:
        return given
    if _shares_board_key(settings, board_key, config):
        return board_key
    return instance_signer(settings, config)


def instance_identities(
    settings: IssuerSettings, board_key: Signer | None = None
) -> dict[str, Identity]:
    """Each configured instance's identity, without opening the board's databases (for the
    W3C implementation manifest)."""
    board_key = board_key or board_signer(settings)
    return {
        config.name: identity_of(
            signer_of(settings, board_key, config, None), config.did_method, settings.public_url
        )
        for config in settings.issuer_instances
    }


def open_instances(board: Board, *, signers: Mapping[str, Signer] | None = None) -> Instances:
    """The instances ``board.settings`` configure (``signers`` by name replace key files)."""
    settings = board.settings
    publishers: dict[str, StatusPublisher] = {board.did: board.publisher}
    by_name: dict[str, Instance] = {}
    for config in settings.issuer_instances:
        signer = signer_of(settings, board.issuer.signer, config, (signers or {}).get(config.name))
        identity = identity_of(signer, config.did_method, settings.public_url)
        publisher = publishers.get(identity.did)
        if publisher is None:
            publisher = StatusPublisher(
                board.registry,
                signer=signer,
                issuer=identity.did,
                verification_method=identity.verification_method,
                loader=board.issuer.loader,
                # An Ed25519 key signs its lists with the EdDSA suite, a P-256 key with ECDSA.
                config=PublisherConfig(
                    suite="eddsa-rdfc-2022" if config.key == "Ed25519" else "ecdsa-rdfc-2019"
                ),
            )
            publishers[identity.did] = publisher
        issuer = Issuer(
            signer=signer,
            registry=board.registry if config.status else None,
            loader=board.issuer.loader,
            clock=board.clock,
            verification_method=identity.verification_method,
        )
        by_name[config.name] = Instance(config, identity, issuer, publisher)
    return Instances(by_name, publishers)
