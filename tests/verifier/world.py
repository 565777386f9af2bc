"""A small world for pipeline tests: a board that issues and publishes, a holder, an employer.

Everything is real: the board's status registry (SQLite) and publisher, its signing key, the
trust registry naming the board as 厚生労働大臣 for 看護師, the verifier's nonce store, and the
status lists served over :class:`httpx.MockTransport` by the publisher itself (with ETags). Only
the network is absent. The employer policy is built once, as a service would build it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

import httpx

from cli.samples import jp_sample_credential
from holder.present import present
from issuer.jose_forms import HolderBinding, TokenStatus
from issuer.securing import secure
from issuer.status import RegistryConfig, StatusRegistry
from issuer.status.publish import StatusPublisher
from service_kit.nonces import InMemoryNonceStore, NonceStore
from vc_core import di
from vc_core.clock import FixedClock
from vc_core.did import did_jwk_from_public_key, did_key_from_public_key
from vc_core.keys import SoftwareKey, generate_key
from vc_schemas.registry import loader as schemas_loader
from verifier.policy import VerifierPolicy
from verifier.status import FetchPolicy, StatusChecker, StatusListFetcher
from verifier.trust import TrustedIssuer, TrustRegistry

BASE = "https://status.example.jp/kangoshi"
AUDIENCE = "https://hospital.example.jp"
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class Why(TypedDict):
    reason: str
    legal_basis: str
    actor: str


WHY: Why = {
    "reason": "医道審議会答申",
    "legal_basis": "保健師助産師看護師法第14条",
    "actor": "mhlw",
}


@dataclass(repr=False)
class World:
    clock: FixedClock
    key: SoftwareKey
    registry: StatusRegistry
    publisher: StatusPublisher
    trust: TrustRegistry
    nonces: NonceStore
    policy: VerifierPolicy
    holder: SoftwareKey = field(default_factory=lambda: generate_key("p256"))
    serial: int = 0

    def __repr__(self) -> str:
        return f"World(issuer={self.issuer[:24]}…, now={self.clock().isoformat()})"

    @property
    def issuer(self) -> str:
        return did_key_from_public_key(self.key.public_key)

    @property
    def holder_did(self) -> str:
        return did_jwk_from_public_key(self.holder.public_key)

    def unsigned(self, *, subject: str | None = None, status: bool = True) -> dict[str, Any]:
        self.serial += 1
        credential = jp_sample_credential(serial=self.serial, issuer=self.issuer)
        credential["credentialSubject"]["id"] = subject or self.holder_did
        if status:
            entries = self.registry.allocate(credential["id"], issuer=self.issuer)
            credential["credentialStatus"] = [e.to_json() for e in entries]
        return credential

    def signed(self, suite: str = "ecdsa-rdfc-2019", **kwargs: Any) -> dict[str, Any]:
        signed = secure(
            self.unsigned(**kwargs), form=suite, signer=self.key, loader=schemas_loader()
        )
        assert isinstance(signed, dict)
        return signed

    def challenge(self, audience: str = AUDIENCE) -> str:
        issued = self.nonces.issue(
            audience=audience, purpose="presentation", ttl=timedelta(minutes=5), now=self.clock()
        )
        return issued.value

    def vp(
        self,
        *credentials: dict[str, Any],
        nonce: str,
        domain: str = AUDIENCE,
        signer: SoftwareKey | None = None,
    ) -> dict[str, Any]:
        signer = signer or self.holder
        did = did_jwk_from_public_key(signer.public_key)
        presentation = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": did,
            "verifiableCredential": list(credentials),
        }
        return di.sign(
            presentation,
            suite="ecdsa-rdfc-2019",
            signer=signer,
            loader=schemas_loader(),
            verification_method=f"{did}#0",
            proof_purpose="authentication",
            challenge=nonce,
            domain=domain,
            now=self.clock,
        )

    def sd_jwt(self, *, status: bool = True, bound: bool = True) -> tuple[str, str]:
        """A dc+sd-jwt bound to the holder's wallet key; also its credential id."""
        credential = self.unsigned(status=False)
        token_status = None
        if status:
            entries = self.registry.allocate(credential["id"], issuer=self.issuer)
            token_status = TokenStatus.of_entries(entries)
        issued = secure(
            credential,
            form="dc+sd-jwt",
            signer=self.key,
            loader=schemas_loader(),
            clock=self.clock,
            holder=HolderBinding.of_key(self.holder.public_key) if bound else None,
            status=token_status,
        )
        assert isinstance(issued, str)
        return issued, credential["id"]

    def present(self, sd_jwt: str, *, nonce: str, audience: str = AUDIENCE) -> str:
        return present(
            sd_jwt,
            disclose=["/licenseNumber", "/familyName", "/givenName"],
            signer=self.holder,
            nonce=nonce,
            audience=audience,
            now=self.clock(),
        )


def handler(publisher: StatusPublisher, registry: StatusRegistry) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        publication = publisher.for_accept(str(request.url), request.headers.get("Accept"))
        headers = publication.headers(registry.now())
        return httpx.Response(200, headers=headers, content=publication.body)

    return httpx.MockTransport(handle)


def make_world(tmp_path: Path, *, base: str = BASE, clock: FixedClock | None = None) -> World:
    """The world at ``T0``, or at ``clock``'s time, its lists published at ``base``."""
    clock = clock or FixedClock(T0)
    key = generate_key("p256")
    config = RegistryConfig(base_url=base, purposes=("revocation", "suspension", "message"))
    registry = StatusRegistry.open(f"sqlite:///{tmp_path / 'board.sqlite3'}", config, now=clock)
    publisher = StatusPublisher(registry, signer=key)
    fetcher = StatusListFetcher(
        FetchPolicy(allow=(base + "/",)), transport=handler(publisher, registry), now=clock
    )
    issuer = did_key_from_public_key(key.public_key)
    trust = TrustRegistry(
        [
            TrustedIssuer(
                id=issuer,
                name_ja="厚生労働大臣",
                name_en="Minister of Health, Labour and Welfare",
                qualifications=frozenset({"kangoshi"}),
            )
        ]
    )
    nonces = InMemoryNonceStore()
    policy = VerifierPolicy(
        clock=clock,
        trust=trust,
        status=StatusChecker(fetcher, now=clock),
        nonces=nonces,
    )
    return World(clock, key, registry, publisher, trust, nonces, policy)
