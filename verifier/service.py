"""The ``Verifier`` role entry point: one object the CLI, the HTTP app and tests all call.

:func:`build_verifier` composes a :class:`Verifier` from a frozen :class:`VerifierConfig`: the
trust registry (a TOML file), issuer-key resolution (did:web fetched with limits when allowed),
the status checker (fetching with an allowlist, size and time limits, and a cache), the JPKI
trust anchors for card-bound holders, and the nonce store (SQLite in the data directory, or
PostgreSQL when several instances share it). The policy is built once; :meth:`Verifier.verify`
runs the pipeline per input and :meth:`Verifier.challenge` issues the nonces it consumes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from jpki_bridge.validation import TrustAnchors
from service_kit.db import create_engine, sqlite_url
from service_kit.migrate import KIT_MIGRATIONS, upgrade
from service_kit.nonces import Nonce, SqlNonceStore
from vc_core.clock import Clock, system_clock
from vc_schemas.registry import loader as schemas_loader
from verifier.issuer_keys import IssuerKeys
from verifier.pipeline import verify
from verifier.policy import ALL_CHECKS, CheckName, VerifierPolicy, VerifyOptions
from verifier.result import VerificationResult
from verifier.status import FetchPolicy, StatusChecker, StatusListFetcher
from verifier.trust import TrustRegistry

__all__ = ["Transport", "Verifier", "VerifierConfig", "build_verifier"]

#: What replaces the network of a verifier (status lists, issuer keys): tests, the demo.
Transport = httpx.BaseTransport


@dataclass(frozen=True)
class VerifierConfig:
    """Everything a verifier is built from; the CLI and the HTTP service share it."""

    data_dir: Path
    database_url: str | None = None
    trust_registry: Path | None = None
    jpki_anchors: tuple[Path, ...] = ()
    status_allow: tuple[str, ...] = ()
    status_timeout: float = 5.0
    status_max_bytes: int = 2 * 1024 * 1024
    required: frozenset[CheckName] = ALL_CHECKS
    nonce_ttl: timedelta = timedelta(minutes=5)
    extra: Mapping[str, Any] = field(default_factory=dict)


class Verifier:
    """Verifies anything under one policy; issues and consumes presentation nonces."""

    def __init__(
        self,
        policy: VerifierPolicy,
        nonces: SqlNonceStore,
        *,
        on_close: tuple[Callable[[], None], ...] = (),
    ) -> None:
        self.policy = policy
        self.nonces = nonces
        self._on_close = on_close

    def challenge(self, audience: str, *, ttl: timedelta | None = None) -> Nonce:
        """A fresh nonce for a presentation to ``audience`` (VC-API ``challenge``)."""
        return self.nonces.issue(
            audience=audience,
            purpose=self.policy.nonce_purpose,
            ttl=ttl or self.policy.nonce_ttl,
            now=self.policy.clock(),
        )

    def verify(
        self, value: str | bytes | Mapping[str, Any], options: VerifyOptions | None = None
    ) -> VerificationResult:
        return verify(value, self.policy, options)

    def ping(self) -> None:
        """Raise a ``storage.*`` error unless the nonce database answers (readiness)."""
        self.nonces.ping()

    def close(self) -> None:
        for close in self._on_close:
            close()

    def __enter__(self) -> Verifier:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def build_verifier(
    config: VerifierConfig,
    *,
    clock: Clock = system_clock,
    transport: Transport | None = None,
) -> Verifier:
    """Compose a :class:`Verifier`; ``transport`` replaces the network (tests, the demo)."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(config.database_url or sqlite_url(config.data_dir, "verifier"))
    upgrade(engine, KIT_MIGRATIONS)
    nonces = SqlNonceStore(engine)
    trust = (
        TrustRegistry.load(config.trust_registry)
        if config.trust_registry is not None and config.trust_registry.exists()
        else TrustRegistry()
    )
    client = httpx.Client(transport=transport, timeout=config.status_timeout)
    fetcher = StatusListFetcher(
        FetchPolicy(
            allow=config.status_allow,
            max_bytes=config.status_max_bytes,
            timeout=config.status_timeout,
        ),
        transport=transport,
        now=clock,
    )
    issuer_keys = IssuerKeys(trust, client=client, clock=clock)
    loader = schemas_loader()
    policy = VerifierPolicy(
        required=config.required,
        clock=clock,
        loader=loader,
        trust=trust,
        issuer_keys=issuer_keys,
        status=StatusChecker(
            fetcher, loader=loader, resolver=issuer_keys.key_resolver(), now=clock
        ),
        nonces=nonces,
        card_anchors=TrustAnchors.from_files(config.jpki_anchors) if config.jpki_anchors else None,
        nonce_ttl=config.nonce_ttl,
    )
    return Verifier(policy, nonces, on_close=(fetcher.close, client.close, engine.dispose))
