"""OpenID4VP 1.0 for the employer's verifier, as pure steps (no HTTP here).

- :mod:`~verifier.oid4vp.dcql` — DCQL queries from the catalogue's request profiles, and the
  ``vp_token`` held against them;
- :mod:`~verifier.oid4vp.identity` — the client identifier (``x509_san_dns``, ``x509_hash``,
  ``redirect_uri``) and the request-signing certificate;
- :mod:`~verifier.oid4vp.request` — signed request objects, the ``openid4vp://`` URI, its QR;
- :mod:`~verifier.oid4vp.jwe` — ``direct_post.jwt`` decryption (ECDH-ES, AES-GCM);
- :mod:`~verifier.oid4vp.store` — transactions and their verdicts, answered once;
- :mod:`~verifier.oid4vp.service` — :class:`Oid4vpService`, which ties them to the pipeline.

The routes are :mod:`verifier.http.oid4vp`.
"""

from verifier.oid4vp.service import Oid4vpConfig, Oid4vpService, build_oid4vp

__all__ = ["Oid4vpConfig", "Oid4vpService", "build_oid4vp"]
