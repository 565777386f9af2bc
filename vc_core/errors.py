"""The one exception hierarchy of shikaku, with stable dotted codes.

Every error a shikaku primitive raises is a :class:`ShikakuError` carrying a
``code`` from :data:`CODES`, the single place where codes are documented. The
HTTP edge maps codes to RFC 9457 problem details and the CLI maps them to one
stderr line and an exit code; neither needs to know the class.

::

    ShikakuError
    ├── CodecError            codec.*      base64url, multibase, Multikey, CBOR
    ├── KeyMaterialError      key.*        key files, JWKs, unsupported algorithms
    ├── DidError              did.*        did:key, did:jwk, did:web
    ├── LoaderError           loader.*     the offline JSON-LD document loader
    ├── JsonLdError           jsonld.*     expansion, safe mode
    ├── CanonicalizationError canon.*      N-Quads parsing, RDFC-1.0
    ├── ProofError            proof.*      Data Integrity proofs and cryptosuites
    ├── SelectionError        selection.*  JSON pointers for selective disclosure
    ├── CredentialError       credential.* VC Data Model 2.0 rules
    ├── CardError             card.*       the My Number Card (jpki_bridge)
    └── StatusError           status.*     status lists

A code names *what went wrong*, never how it was detected, and once published
it is never renamed. Messages never contain secrets (keys, PINs).

"Could not verify" and "verified and found invalid" are different outcomes:
primitives raise, and pipelines (see :mod:`vc_core.verdict`) turn the raised
codes into named checks of a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "CODES",
    "CanonicalizationError",
    "CardError",
    "CodecError",
    "CredentialError",
    "DidError",
    "JsonLdError",
    "KeyMaterialError",
    "LoaderError",
    "ProofError",
    "SelectionError",
    "ShikakuError",
    "StatusError",
]

#: Every stable error code, with what it means. Raising an unknown code is a bug
#: and fails loudly (see :meth:`ShikakuError.__init__`).
CODES: Mapping[str, str] = {
    # codec.*
    "codec.base64url_invalid": "Text is not unpadded base64url.",
    "codec.base58_invalid": "Text has a character outside the base58btc alphabet.",
    "codec.multibase_unsupported": "Multibase prefix is not 'z' (base58btc) or 'u' (base64url).",
    "codec.multikey_invalid": "Multikey bytes have an unknown header or a wrong length.",
    "codec.cbor_invalid": "CBOR bytes do not decode to the expected structure.",
    # key.*
    "key.file_invalid": "A key file is not a JSON Web Key shikaku can use.",
    "key.unsupported": "The key type or curve is not supported for this operation.",
    "key.private_missing": "A private key was needed but only a public key was given.",
    # did.*
    "did.invalid": "The DID or DID URL is malformed.",
    "did.method_unsupported": "The DID method cannot be resolved offline by shikaku.",
    "did.fragment_not_found": "The DID document has no verification method with that fragment.",
    # loader.*
    "loader.url_not_allowed": "A JSON-LD document was requested from a URL that is not bundled.",
    "loader.pin_mismatch": "A bundled context does not match its pinned SHA-256.",
    # jsonld.*
    "jsonld.undefined_term": "A term has no definition, so JSON-LD would drop it unsigned.",
    "jsonld.relative_iri": "An IRI is relative, so JSON-LD would drop it unsigned.",
    "jsonld.invalid": "The document is not valid JSON-LD.",
    # canon.*
    "canon.nquads_invalid": "Text is not valid N-Quads.",
    "canon.poison_graph": "The dataset needs more work than the canonicalization limit allows.",
    # proof.*
    "proof.missing": "The document has no proof.",
    "proof.malformed": "A proof is missing a required property or has a wrong value.",
    "proof.cryptosuite_unsupported": "The proof's type or cryptosuite is not supported.",
    "proof.invalid_signature": "The signature does not verify over the document.",
    "proof.verification_method_invalid": "The verification method is missing or unusable.",
    "proof.key_mismatch": "The verification method's key does not fit the cryptosuite.",
    "proof.previous_proof_missing": "A proof names a previousProof that is not in the set.",
    "proof.purpose_mismatch": "The proof's proofPurpose is not the one expected.",
    "proof.challenge_mismatch": "The proof's challenge or domain is not the one expected.",
    "proof.created_invalid": "The proof's created or expires time is malformed or out of range.",
    # selection.*
    "selection.pointer_invalid": "A JSON pointer is malformed or selects nothing.",
    "selection.pointer_mandatory": "A selective pointer is required but none was given.",
    # credential.*
    "credential.malformed": "The document is not a JSON object shaped like a credential.",
    "credential.context_invalid": "The @context does not start with the VC 2.0 context.",
    "credential.type_invalid": "The type does not include VerifiableCredential.",
    "credential.issuer_invalid": "The issuer is missing or not a URL or object with an id.",
    "credential.subject_missing": "The credential has no credentialSubject.",
    "credential.validity_invalid": "validFrom or validUntil is malformed or out of order.",
    "credential.not_yet_valid": "The credential's validFrom is in the future.",
    "credential.expired": "The credential's validUntil is in the past.",
    "credential.status_invalid": "A credentialStatus entry is malformed.",
    "credential.entry_type_missing": "A credentialSchema or refreshService entry has no type.",
    "credential.related_resource_mismatch": "A relatedResource digest does not match.",
    "credential.related_resource_invalid": "A relatedResource entry is malformed.",
    # card.* (jpki_bridge: the My Number Card, its emulator and the binding proof)
    # status.* (status lists: codecs, registry, publishing, checking)
}


class ShikakuError(Exception):
    """Base of every error shikaku raises on purpose.

    ``code`` is stable and documented in :data:`CODES`; ``details`` carries
    structured, non-secret context (a JSON pointer, ``retries_left`` …).
    """

    prefix: ClassVar[str] = ""

    def __init__(self, code: str, message: str | None = None, **details: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unregistered error code {code!r}; add it to vc_core.errors.CODES")
        if self.prefix and not code.startswith(self.prefix + "."):
            raise ValueError(f"{type(self).__name__} cannot carry code {code!r}")
        self.code = code
        self.message = message or CODES[code]
        self.details: dict[str, Any] = details
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: ``{"code", "message", **details}``."""
        return {"code": self.code, "message": self.message, **self.details}


class CodecError(ShikakuError):
    prefix = "codec"


class KeyMaterialError(ShikakuError):
    prefix = "key"


class DidError(ShikakuError):
    prefix = "did"


class LoaderError(ShikakuError):
    prefix = "loader"


class JsonLdError(ShikakuError):
    prefix = "jsonld"


class CanonicalizationError(ShikakuError):
    prefix = "canon"


class ProofError(ShikakuError):
    prefix = "proof"


class SelectionError(ShikakuError):
    prefix = "selection"


class CredentialError(ShikakuError):
    prefix = "credential"


class CardError(ShikakuError):
    """A card, reader or binding-proof error. ``retries_left`` rides in ``details``."""

    prefix = "card"


class StatusError(ShikakuError):
    prefix = "status"
