"""The two proofs of possession a wallet sends the board: DPoP proofs and key proofs.

Both are JWTs signed by a key whose public half rides in their own header, so both are checked
the same way first (:func:`_self_signed`): a compact JWS, the expected ``typ``, an allowed
``alg`` that is the key's own (never ``none``, never HMAC: RFC 8725 §3.1), a public ``jwk``
(a private member is refused) and a signature that verifies. Then each adds its rules:

- **DPoP proof** (RFC 9449 §4.2, §4.3): ``typ`` ``dpop+jwt``, ``alg`` ES256 (HAIP 1.0),
  ``htm`` and ``htu`` name this request (the URI without query and fragment), a fresh ``iat``,
  a ``jti`` (replay is the caller's to refuse: :class:`DpopProof` carries it), ``ath`` = the
  SHA-256 of the access token on a protected resource (§4.3 step 11), and the ``nonce`` the
  server handed out, which the caller checks (§8). The key's thumbprint (RFC 7638) is what an
  access token is bound to (``cnf.jkt``, §6.1). Errors: ``oauth.invalid_dpop_proof``.
- **Key proof** (OpenID4VCI 1.0 §8.2.1.1, Appendix F.1): ``typ`` ``openid4vci-proof+jwt``,
  ``alg`` ES256 (a wallet key, P-256) or RS256 (a My Number Card key, card mode), the holder's
  key as ``jwk`` or, in card mode, the card's certificate as ``x5c``; ``aud`` = the credential
  issuer identifier, a fresh ``iat``, and the ``nonce`` (a ``c_nonce``), which the caller
  consumes. Errors: ``oauth.invalid_proof``, for a proof without a nonce too (§8.3.1.2); a
  nonce the board does not accept is the caller's ``oauth.invalid_nonce``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from vc_core.codecs import b64url_encode
from vc_core.errors import OAuthError, ShikakuError
from vc_core.jose.claims import timestamp
from vc_core.jose.jws import Jws, check_typ, parse_jws, verify_jws
from vc_core.keys import AnyPublicKey, jwk_thumbprint, public_jwk, public_key_from_jwk

__all__ = [
    "DPOP_TYP",
    "KEY_PROOF_TYP",
    "DpopProof",
    "KeyProof",
    "access_token_hash",
    "check_dpop_proof",
    "check_key_proof",
    "normalized_uri",
]

DPOP_TYP: Final = "dpop+jwt"
KEY_PROOF_TYP: Final = "openid4vci-proof+jwt"
_PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_MAX_TOKEN: Final = 16 * 1024
_MAX_JTI: Final = 256
_MIN_RSA_BITS: Final = 2048
_MAX_CHAIN: Final = 5


@dataclass(frozen=True)
class DpopProof:
    """A DPoP proof that passed :func:`check_dpop_proof`."""

    jkt: str
    jti: str
    iat: int
    nonce: str | None


@dataclass(frozen=True)
class KeyProof:
    """A key proof that passed :func:`check_key_proof`: the holder's key and its nonce.

    ``chain`` is the proof's ``x5c`` (card mode: the card's certificate first, then what
    its holder sent along), otherwise empty; its signatures are not checked here (that is
    the :class:`~issuer.oid4vci.holders.KeyProofPolicy`'s work, against the JPKI roots).
    """

    key: AnyPublicKey
    jwk: dict[str, str]
    jkt: str
    algorithm: str
    nonce: str
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def certificate(self) -> x509.Certificate | None:
        """The leaf of ``chain``: the certificate whose key signed the proof."""
        return self.chain[0] if self.chain else None


def access_token_hash(token: str) -> str:
    """``ath`` (RFC 9449 §4.2): base64url SHA-256 of the access token's ASCII."""
    return b64url_encode(hashlib.sha256(token.encode("ascii", "replace")).digest())


def normalized_uri(uri: str) -> str:
    """RFC 9449 §4.3 step 9: the URI without query and fragment, scheme and host lowercase,
    default ports left out (RFC 3986 §6.2.2, §6.2.3)."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    port = parts.port
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != default:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", "", ""))


def _refuse(code: str, message: str) -> OAuthError:
    return OAuthError(code, message)


def _self_signed(
    token: Any, *, typ: str, algorithms: Collection[str], code: str, allow_x5c: bool = False
) -> tuple[Jws, AnyPublicKey, tuple[x509.Certificate, ...]]:
    """A JWT signed by the key in its own header (see the module)."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN:
        raise _refuse(code, "the proof is not a compact JWT")
    try:
        jws = parse_jws(token)
        check_typ(jws.header, (typ,))
    except ShikakuError as exc:
        raise _refuse(code, f"the proof is not a {typ} JWT ({exc.code})") from exc
    if str(jws.header.get("typ", "")).lower() != typ:
        raise _refuse(code, f"typ must be {typ}")
    jwk, chain = jws.header.get("jwk"), jws.header.get("x5c")
    if "kid" in jws.header and jwk is None and chain is None:
        raise _refuse(code, "a key reference (kid) is not accepted: send the key as jwk")
    certificates: tuple[x509.Certificate, ...] = ()
    if jwk is not None and chain is not None:
        raise _refuse(code, "the header carries both jwk and x5c")
    if chain is not None:
        if not allow_x5c:
            raise _refuse(code, "x5c is not accepted here")
        certificates = _chain(chain, code)
        key: AnyPublicKey = _certificate_key(certificates[0], code)
    elif isinstance(jwk, dict):
        if _PRIVATE_MEMBERS & set(jwk):
            raise _refuse(code, "the jwk header carries a private key")
        try:
            key = public_key_from_jwk(jwk)
        except ShikakuError as exc:
            raise _refuse(code, f"the jwk header is not a usable public key ({exc.code})") from exc
    else:
        raise _refuse(code, "the header carries no jwk")
    _check_strength(key, code)
    try:
        verify_jws(jws, key, algorithms=algorithms)
    except ShikakuError as exc:
        raise _refuse(code, f"the proof's signature does not verify ({exc.code})") from exc
    return jws, key, certificates


def _chain(chain: Any, code: str) -> tuple[x509.Certificate, ...]:
    if not isinstance(chain, list) or not 0 < len(chain) <= _MAX_CHAIN:
        raise _refuse(code, f"x5c must be an array of 1 to {_MAX_CHAIN} certificates")
    if not all(isinstance(c, str) for c in chain):
        raise _refuse(code, "x5c holds base64 certificates")
    try:
        return tuple(
            x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in chain
        )
    except (ValueError, binascii.Error) as exc:
        raise _refuse(code, "an x5c entry is not a DER certificate") from exc


def _certificate_key(certificate: x509.Certificate, code: str) -> AnyPublicKey:
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise _refuse(code, "the x5c leaf's key is neither RSA nor EC")
    return key


def _check_strength(key: AnyPublicKey, code: str) -> None:
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < _MIN_RSA_BITS:
        raise _refuse(code, f"an RSA key must have at least {_MIN_RSA_BITS} bits")


def _fresh_iat(
    claims: Mapping[str, Any], *, now: datetime, max_age: int, skew: int, code: str
) -> int:
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise _refuse(code, "iat is missing or not a NumericDate")
    current = timestamp(now)
    if iat > current + skew:
        raise _refuse(code, "iat is in the future")
    if iat < current - max_age - skew:
        raise _refuse(code, "iat is too old: the proof is stale")
    return int(iat)


def check_dpop_proof(
    token: Any,
    *,
    method: str,
    uri: str,
    now: datetime,
    algorithms: Collection[str],
    access_token: str | None = None,
    max_age: int = 300,
    skew: int = 60,
) -> DpopProof:
    """Check a DPoP proof for the request ``method`` ``uri`` (RFC 9449 §4.3; see the module)."""
    code = "oauth.invalid_dpop_proof"
    jws, key, _ = _self_signed(token, typ=DPOP_TYP, algorithms=algorithms, code=code)
    claims = jws.payload
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= _MAX_JTI:
        raise _refuse(code, "jti is missing")
    if claims.get("htm") != method:
        raise _refuse(code, "htm does not match the request's method")
    htu = claims.get("htu")
    if not isinstance(htu, str) or normalized_uri(htu) != normalized_uri(uri):
        raise _refuse(code, "htu does not match the request's URI")
    iat = _fresh_iat(claims, now=now, max_age=max_age, skew=skew, code=code)
    if access_token is not None and claims.get("ath") != access_token_hash(access_token):
        raise _refuse(code, "ath does not match the access token")
    nonce = claims.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise _refuse(code, "nonce is not a string")
    return DpopProof(jwk_thumbprint(public_jwk(key)), jti, iat, nonce)


def check_key_proof(
    token: Any,
    *,
    audience: str,
    now: datetime,
    algorithms: Collection[str],
    max_age: int = 300,
    skew: int = 60,
) -> KeyProof:
    """Check a key proof for the credential issuer ``audience`` (§8.2.1.1; see the module)."""
    code = "oauth.invalid_proof"
    jws, key, chain = _self_signed(
        token, typ=KEY_PROOF_TYP, algorithms=algorithms, code=code, allow_x5c=True
    )
    claims = jws.payload
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and aud == [audience]):
        raise _refuse(code, "aud is not this credential issuer")
    _fresh_iat(claims, now=now, max_age=max_age, skew=skew, code=code)
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise _refuse(code, "the proof carries no c_nonce")
    jwk = public_jwk(key)
    return KeyProof(key, jwk, jwk_thumbprint(jwk), str(jws.header["alg"]), nonce, chain)
