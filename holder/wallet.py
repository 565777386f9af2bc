"""The ``Wallet`` role entry point: derive, present and prove possession, for every form.

The holder's side of every exchange goes through a :class:`Wallet`: it holds the holder's key
— a wallet key (ES256, the HAIP path) or the My Number Card's auth key (RS256, card mode) — and
the JSON-LD loader, and it turns stored credentials into what a verifier asked for:

- :meth:`Wallet.derive` — an ``ecdsa-sd-2023`` disclosure with exactly the chosen fields (or a
  qualification's request profile, such as ``employer``); fields hidden by default are
  reported so the caller can warn before they leave;
- :meth:`Wallet.present_sd_jwt` — an SD-JWT+KB over the verifier's nonce and audience;
- :meth:`Wallet.present` — a presentation of W3C-form credentials: a Data Integrity VP
  (``authentication`` proof with ``challenge``/``domain``) signed by the wallet key, or a
  ``vp+jwt`` when the key cannot make a Data Integrity proof (the card's RSA key).

The encrypted credential store and the OpenID4VCI/OpenID4VP flows build on this (issue 13).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from holder.present import hidden_requested, present, x5c_of
from vc_core import di
from vc_core.clock import Clock, system_clock
from vc_core.did import did_jwk_from_public_key, did_key_from_public_key
from vc_core.errors import KeyMaterialError
from vc_core.jose.vp import enveloped, sign_vp_jwt
from vc_core.jsonld.processor import Loader
from vc_core.keys import Signer, public_jwk
from vc_schemas.policy import disclosure_policy, pointer_value
from vc_schemas.registry import loader as schemas_loader

__all__ = ["Derived", "Wallet"]

_V2 = "https://www.w3.org/ns/credentials/v2"
_SUITE_FOR_KEY = {
    "P-256": "ecdsa-rdfc-2019",
    "P-384": "ecdsa-rdfc-2019",
    "Ed25519": "eddsa-rdfc-2022",
}


@dataclass(frozen=True)
class Derived:
    """A derived credential and the hidden-by-default fields it reveals (for a warning)."""

    credential: dict[str, Any]
    hidden_revealed: tuple[str, ...]


@dataclass(frozen=True)
class Wallet:
    """A holder's key, with what it needs to present (loader, clock, the card's chain)."""

    signer: Signer | None = None
    chain: tuple[x509.Certificate, ...] = ()
    loader: Loader = field(default_factory=schemas_loader)
    clock: Clock = system_clock

    @property
    def did(self) -> str:
        """The holder's DID, what ``credentialSubject.id`` names: the did:key of a wallet key
        (as ``shikaku keys generate`` prints it), the did:jwk of the card's RSA key."""
        key = self._signer().public_key
        if isinstance(key, rsa.RSAPublicKey):
            return did_jwk_from_public_key(key)
        return did_key_from_public_key(key)

    @property
    def verification_method(self) -> str:
        did = self.did
        if did.startswith("did:key:"):
            return f"{did}#{did.removeprefix('did:key:')}"
        return f"{did}#0"

    def _signer(self) -> Signer:
        if self.signer is None:
            raise KeyMaterialError("key.private_missing", "this wallet has no holder key")
        return self.signer

    def derive(
        self,
        credential: Mapping[str, Any],
        *,
        reveal: Sequence[str] = (),
        request: str | None = None,
    ) -> Derived:
        """An ecdsa-sd-2023 disclosure of ``reveal`` and the ``request`` profile's fields."""
        pointers = list(reveal)
        found, code = pointer_value(credential, "/credentialSubject/achievement/humanCode")
        if request is not None and found and isinstance(code, str):
            pointers += disclosure_policy(code).selective_pointers(credential, request)
        hidden: list[str] = []
        if found and isinstance(code, str):
            hidden = disclosure_policy(code).hidden_in(pointers)
        derived = di.derive(
            credential, selective_pointers=list(dict.fromkeys(pointers)), loader=self.loader
        )
        return Derived(derived, tuple(hidden))

    def present_sd_jwt(
        self, credential: str, *, disclose: Sequence[str], nonce: str, audience: str
    ) -> str:
        """The SD-JWT+KB for a verifier (the card's chain rides in ``x5c`` in card mode)."""
        return present(
            credential,
            disclose=disclose,
            signer=self._signer(),
            nonce=nonce,
            audience=audience,
            now=self.clock(),
            chain=self.chain,
        )

    def hidden_in_sd_jwt(self, credential: str, disclose: Sequence[str]) -> list[str]:
        return hidden_requested(credential, disclose)

    def present(
        self,
        credentials: Sequence[Mapping[str, Any] | tuple[str, str]],
        *,
        nonce: str,
        audience: str,
        jose: bool | None = None,
    ) -> dict[str, Any] | str:
        """A presentation of ``credentials`` for ``audience`` over ``nonce``.

        Each item is a Data Integrity credential, or ``(media_type, compact)`` for a JOSE
        credential (``application/vc+jwt`` …), which rides enveloped and forces ``vp+jwt``.
        ``jose`` None chooses: ``vp+jwt`` for an RSA key (the card) or enveloped credentials,
        else a Data Integrity presentation.
        """
        signer = self._signer()
        did = self.did
        items = [enveloped(c[1], c[0]) if isinstance(c, tuple) else dict(c) for c in credentials]
        presentation = {
            "@context": [_V2],
            "type": ["VerifiablePresentation"],
            "holder": did,
            "verifiableCredential": items,
        }
        use_jose = (
            jose
            if jose is not None
            else (
                isinstance(signer.public_key, rsa.RSAPublicKey)
                or any(isinstance(c, tuple) for c in credentials)
            )
        )
        if use_jose:
            return sign_vp_jwt(
                presentation,
                signer,
                kid=self.verification_method,
                nonce=nonce,
                audience=audience,
                now=self.clock(),
                x5c=x5c_of(self.chain) if self.chain else (),
            )
        return di.sign(
            presentation,
            suite=self._suite(),
            signer=signer,
            loader=self.loader,
            verification_method=self.verification_method,
            proof_purpose="authentication",
            challenge=nonce,
            domain=audience,
            now=self.clock,
        )

    def _suite(self) -> str:
        jwk = public_jwk(self._signer().public_key)
        suite = _SUITE_FOR_KEY.get(jwk.get("crv", ""))
        if suite is None:
            raise KeyMaterialError("key.unsupported", "this key cannot make a DI proof")
        return suite
