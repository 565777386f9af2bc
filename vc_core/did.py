"""DIDs shikaku resolves offline: did:key and did:jwk; and did:web documents to publish.

- did:key (W3C CCG did:key v0.9): the method-specific id is a Multikey; the
  one verification method is ``did:key:<mk>#<mk>`` of type ``Multikey``.
- did:jwk (did:jwk spec): the id is the base64url of a public JWK; the one
  verification method is ``did:jwk:<b64>#0`` of type ``JsonWebKey``.
- did:web (did:web method spec): resolution needs HTTPS, which lives at the
  edges (:mod:`verifier.issuer_keys`); here we *build* the document a board serves at
  ``/.well-known/did.json``, turn a did:web into that URL (§3.2 "Read (Resolve)"), and
  read a verification method out of a document the edge fetched or pinned.

A :data:`KeyResolver` turns a verification-method URL into a
:class:`VerificationMethod`; cryptosuites take one as a parameter, so tests and
services can add did:web or a trust registry without touching the suites.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from vc_core.codecs import b64url_decode, b64url_encode
from vc_core.errors import CodecError, DidError, InputError, KeyMaterialError
from vc_core.jsonio import loads
from vc_core.keys import AnyPublicKey, public_jwk, public_key_from_jwk
from vc_core.multikey import PublicKey, decode_multikey_public, encode_multikey_public

__all__ = [
    "KeyResolver",
    "VerificationMethod",
    "absolute_id",
    "build_did_web_document",
    "did_jwk_from_public_key",
    "did_key_from_public_key",
    "did_web_from_url",
    "did_web_url",
    "resolve_did_document",
    "resolve_verification_method",
    "verification_method_from_document",
]


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved verification method: its id, its controller and its public key."""

    id: str
    controller: str
    public_key: AnyPublicKey
    type: str

    def to_json(self) -> dict[str, Any]:
        if self.type == "Multikey":
            return {
                "id": self.id,
                "type": "Multikey",
                "controller": self.controller,
                "publicKeyMultibase": encode_multikey_public(_multikey_key(self.public_key)),
            }
        return {
            "id": self.id,
            "type": "JsonWebKey",
            "controller": self.controller,
            "publicKeyJwk": public_jwk(self.public_key),
        }


KeyResolver = Callable[[str], VerificationMethod]


def did_key_from_public_key(key: AnyPublicKey) -> str:
    """The did:key of a P-256, P-384 or Ed25519 public key."""
    return "did:key:" + encode_multikey_public(_multikey_key(key))


def did_jwk_from_public_key(key: AnyPublicKey) -> str:
    """The did:jwk of any supported public key (EC, Ed25519, RSA)."""
    jwk = public_jwk(key)
    return "did:jwk:" + b64url_encode(json.dumps(jwk, separators=(",", ":")).encode())


def resolve_did_document(did: str) -> dict[str, Any]:
    """Resolve a did:key or did:jwk to its DID document (offline)."""
    method = _method_of(did)
    if method == "key":
        vm = _did_key_method(did)
        context = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    elif method == "jwk":
        vm = _did_jwk_method(did)
        context = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"]
    else:
        raise DidError("did.method_unsupported", f"did:{method} cannot be resolved offline")
    relations = ["authentication", "assertionMethod", "capabilityInvocation"]
    return {"@context": context, "id": did, "verificationMethod": [vm.to_json()]} | {
        rel: [vm.id] for rel in relations
    }


def resolve_verification_method(url: str) -> VerificationMethod:
    """Resolve a did:key or did:jwk verification-method URL (the default key resolver)."""
    did, _, fragment = url.partition("#")
    method = _method_of(did)
    if method == "key":
        vm = _did_key_method(did)
    elif method == "jwk":
        vm = _did_jwk_method(did)
    else:
        raise DidError("did.method_unsupported", f"did:{method} cannot be resolved offline")
    if fragment and vm.id != url:
        raise DidError("did.fragment_not_found", f"{did} has no method #{fragment}")
    return vm


def did_web_from_url(origin: str) -> str:
    """The did:web for an ``https://host[:port][/path]`` origin."""
    if not origin.startswith("https://"):
        raise DidError("did.invalid", "did:web needs an https:// origin")
    host, _, path = origin.removeprefix("https://").rstrip("/").partition("/")
    parts = [quote(host, safe="")] + [p for p in path.split("/") if p]
    return "did:web:" + ":".join(parts)


_WEB_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?:%3[Aa][0-9]{1,5})?")
_WEB_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


def did_web_url(did: str) -> str:
    """The https URL of a did:web's document (did:web method spec §3.2, "Read (Resolve)").

    ``did:web:example.jp`` → ``https://example.jp/.well-known/did.json``;
    ``did:web:example.jp%3A8443:boards:mhlw`` → ``https://example.jp:8443/boards/mhlw/did.json``.
    Anything that could leave the host (``/``, ``@``, ``..``, other percent-escapes) is refused.
    """
    if not did.startswith("did:web:") or "#" in did or "?" in did:
        raise DidError("did.invalid", f"not a did:web without fragment: {did[:80]!r}")
    host, *segments = did.removeprefix("did:web:").split(":")
    if not _WEB_HOST.fullmatch(host):
        raise DidError("did.invalid", f"did:web host is malformed: {host[:80]!r}")
    if any(not _WEB_SEGMENT.fullmatch(s) or s in {".", ".."} for s in segments):
        raise DidError("did.invalid", "did:web path segments are malformed")
    origin = "https://" + host.replace("%3A", ":").replace("%3a", ":")
    path = "/".join(segments) if segments else ".well-known"
    return f"{origin}/{path}/did.json"


def verification_method_from_document(document: Mapping[str, Any], url: str) -> VerificationMethod:
    """The verification method ``url`` of a DID ``document`` (DID Core §5.2, §5.3.1).

    A method may be written with a relative id (``#key-1``) and may be embedded in the
    ``assertionMethod`` relationship; its ``controller`` must be the document's DID, and its key
    a ``Multikey`` (``publicKeyMultibase``) or a ``JsonWebKey`` (``publicKeyJwk``, public
    members only).
    """
    did = document.get("id")
    if not isinstance(did, str) or url.partition("#")[0] != did:
        raise DidError("did.invalid", "the DID document is not the document of that DID")
    for member in ("verificationMethod", "assertionMethod"):
        entries = document.get(member)
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, Mapping) and absolute_id(did, entry.get("id")) == url:
                return _method_from_json(did, url, entry)
    raise DidError("did.fragment_not_found", f"{did[:80]} has no method {url[len(did) :][:40]}")


def absolute_id(did: str, reference: Any) -> str | None:
    """A DID URL reference made absolute (DID Core §3.2.2: ``#key-1`` is relative to ``did``)."""
    if not isinstance(reference, str):
        return None
    return did + reference if reference.startswith("#") else reference


def _method_from_json(did: str, url: str, entry: Mapping[str, Any]) -> VerificationMethod:
    if entry.get("controller") != did:
        raise DidError("did.invalid", "the verification method is controlled by another DID")
    kind = entry.get("type")
    try:
        if kind == "Multikey" and isinstance(entry.get("publicKeyMultibase"), str):
            key: AnyPublicKey = decode_multikey_public(entry["publicKeyMultibase"])
        elif kind in {"JsonWebKey", "JsonWebKey2020"} and isinstance(
            entry.get("publicKeyJwk"), Mapping
        ):
            jwk = dict(entry["publicKeyJwk"])
            if "d" in jwk:
                raise DidError("did.invalid", "a DID document must not carry a private key")
            key = public_key_from_jwk(jwk)
        else:
            raise DidError("did.invalid", f"unsupported verification method type {kind!r}")
    except (CodecError, KeyMaterialError) as exc:
        raise DidError("did.invalid", "the verification method's key is unusable") from exc
    return VerificationMethod(url, did, key, "Multikey" if kind == "Multikey" else "JsonWebKey")


def build_did_web_document(
    did: str, keys: Sequence[tuple[str, AnyPublicKey]], *, multikey: bool = True
) -> dict[str, Any]:
    """A did:web document listing ``(fragment, key)`` pairs as assertion methods.

    EC P-256/P-384 and Ed25519 keys are written as Multikeys; RSA keys (and all
    keys when ``multikey`` is false) as JsonWebKeys.
    """
    if not did.startswith("did:web:"):
        raise DidError("did.invalid", "not a did:web")
    methods = []
    for fragment, key in keys:
        use_multikey = multikey and _is_multikey_capable(key)
        vm = VerificationMethod(
            f"{did}#{fragment}", did, key, "Multikey" if use_multikey else "JsonWebKey"
        )
        methods.append(vm.to_json())
    context = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    if any(m["type"] == "JsonWebKey" for m in methods):
        context.append("https://w3id.org/security/jwk/v1")
    ids = [m["id"] for m in methods]
    return {
        "@context": context,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def _method_of(did: str) -> str:
    parts = did.split(":")
    if len(parts) < 3 or parts[0] != "did" or not parts[1] or not parts[2]:
        raise DidError("did.invalid", f"not a DID: {did[:80]!r}")
    return parts[1]


def _did_key_method(did: str) -> VerificationMethod:
    multikey = did.removeprefix("did:key:")
    try:
        key = decode_multikey_public(multikey)
    except CodecError as exc:
        raise DidError("did.invalid", "did:key does not hold a supported Multikey") from exc
    return VerificationMethod(f"{did}#{multikey}", did, key, "Multikey")


def _did_jwk_method(did: str) -> VerificationMethod:
    try:
        jwk = loads(b64url_decode(did.removeprefix("did:jwk:")), where="the did:jwk")
        key = public_key_from_jwk(jwk)
    except (CodecError, InputError, KeyMaterialError) as exc:
        raise DidError("did.invalid", "did:jwk does not hold a public JWK") from exc
    if isinstance(jwk, dict) and "d" in jwk:
        raise DidError("did.invalid", "did:jwk must not carry a private key")
    return VerificationMethod(f"{did}#0", did, key, "JsonWebKey")


def _is_multikey_capable(key: AnyPublicKey) -> bool:
    try:
        _multikey_key(key)
    except KeyMaterialError:
        return False
    return True


def _multikey_key(key: AnyPublicKey) -> PublicKey:
    if isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        return key
    raise KeyMaterialError("key.unsupported", "RSA keys have no Multikey form")
