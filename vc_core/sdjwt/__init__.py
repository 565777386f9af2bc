"""SD-JWT (RFC 9901), SD-JWT VC and Key Binding, built on :mod:`vc_core.jose`.

- :mod:`~vc_core.sdjwt.disclosure` — Disclosures, digests, salts, decoys (§4.2);
- :mod:`~vc_core.sdjwt.serialization` — compact and JWS JSON serializations (§4, §8);
- :mod:`~vc_core.sdjwt.issue` — concealing claims chosen by JSON pointer, recursively (§4.1);
- :mod:`~vc_core.sdjwt.process` — turning Disclosures back into claims, strictly (§7.1);
- :mod:`~vc_core.sdjwt.present` — a holder choosing Disclosures by claim path (§5);
- :mod:`~vc_core.sdjwt.kb` — KB-JWTs, signed by any ``Signer``, and their checks (§4.3, §7.3);
- :mod:`~vc_core.sdjwt.verify` — the verification pipeline, a verdict of named checks;
- :mod:`~vc_core.sdjwt.vc` — the SD-JWT VC format (``dc+sd-jwt``).

Pure: no network, no clock and no card here; ``now``, keys and randomness are parameters.
"""

from vc_core.sdjwt.disclosure import (
    SD_ALG,
    Disclosure,
    Path,
    make_disclosure,
    parse_disclosure,
    parse_pointer,
    pointer,
    sd_digest,
)
from vc_core.sdjwt.issue import DEFAULT_DECOYS, NO_DECOYS, Decoys, conceal, issue_sd_jwt
from vc_core.sdjwt.kb import (
    DEFAULT_MAX_AGE,
    KB_TYP,
    KeyBinding,
    KeyBindingRequest,
    create_key_binding,
    holder_key,
    verify_key_binding,
)
from vc_core.sdjwt.present import disclosure_paths, select_disclosures
from vc_core.sdjwt.process import Processed, process_disclosures
from vc_core.sdjwt.serialization import SdJwt, co_sign, parse_sd_jwt, to_json_serialization
from vc_core.sdjwt.vc import (
    DC_SD_JWT,
    NON_DISCLOSABLE,
    check_sd_jwt_vc,
    issue_sd_jwt_vc,
    sd_jwt_vc_check,
)
from vc_core.sdjwt.verify import (
    IssuerKey,
    IssuerKeyResolver,
    SdJwtVerification,
    did_issuer_key,
    static_issuer_key,
    verify_sd_jwt,
)

__all__ = [
    "DC_SD_JWT",
    "DEFAULT_DECOYS",
    "DEFAULT_MAX_AGE",
    "KB_TYP",
    "NON_DISCLOSABLE",
    "NO_DECOYS",
    "SD_ALG",
    "Decoys",
    "Disclosure",
    "IssuerKey",
    "IssuerKeyResolver",
    "KeyBinding",
    "KeyBindingRequest",
    "Path",
    "Processed",
    "SdJwt",
    "SdJwtVerification",
    "check_sd_jwt_vc",
    "co_sign",
    "conceal",
    "create_key_binding",
    "did_issuer_key",
    "disclosure_paths",
    "holder_key",
    "issue_sd_jwt",
    "issue_sd_jwt_vc",
    "make_disclosure",
    "parse_disclosure",
    "parse_pointer",
    "parse_sd_jwt",
    "pointer",
    "process_disclosures",
    "sd_digest",
    "sd_jwt_vc_check",
    "select_disclosures",
    "static_issuer_key",
    "to_json_serialization",
    "verify_key_binding",
    "verify_sd_jwt",
]
