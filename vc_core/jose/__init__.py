"""JOSE for shikaku: compact JWS with an algorithm allowlist, JWT time claims, VC-JOSE.

- :mod:`~vc_core.jose.jws`: RFC 7515 compact JWS, RFC 8725 algorithm rules (``ES256``,
  ``ES384``, ``EdDSA``, ``RS256`` only; the key picks the algorithm), ``typ`` checks.
- :mod:`~vc_core.jose.claims`: RFC 7519 ``exp``/``nbf``/``iat`` with a bounded clock skew.
- :mod:`~vc_core.jose.vc`: W3C VC-JOSE-COSE ``vc+jwt`` (a credential as a JWS payload).

The SD-JWT forms (``dc+sd-jwt``, ``vc+sd-jwt``) build on these in :mod:`vc_core.sdjwt`.
"""

from vc_core.jose.claims import DEFAULT_SKEW, check_time_claims, numeric_date, timestamp
from vc_core.jose.jws import (
    ALLOWED_ALGORITHMS,
    Jws,
    algorithm_for_key,
    check_algorithm,
    check_typ,
    encode_json,
    parse_jws,
    sign_jws,
    strict_json_loads,
    verify_jws,
)

__all__ = [
    "ALLOWED_ALGORITHMS",
    "DEFAULT_SKEW",
    "Jws",
    "algorithm_for_key",
    "check_algorithm",
    "check_time_claims",
    "check_typ",
    "encode_json",
    "numeric_date",
    "parse_jws",
    "sign_jws",
    "strict_json_loads",
    "timestamp",
    "verify_jws",
]
