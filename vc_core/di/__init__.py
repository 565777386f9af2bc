"""W3C Data Integrity: proofs, proof sets and chains, and shikaku's cryptosuites.

``ecdsa-rdfc-2019`` and ``eddsa-rdfc-2022`` (one module each) and
``ecdsa-sd-2023`` (selective disclosure). Entry points: :func:`sign`,
:func:`verify`, :func:`derive`, and :func:`verify_base` (the holder's check of an
``ecdsa-sd-2023`` base credential; verifiers refuse base proofs).
"""

from vc_core.di.proofs import (
    SUITES,
    default_verification_method,
    derive,
    sign,
    verify,
    verify_base,
)

__all__ = ["SUITES", "default_verification_method", "derive", "sign", "verify", "verify_base"]
