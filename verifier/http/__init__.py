"""The verifier's HTTP service (VC-API): :func:`create_app` and :class:`VerifierSettings`.

Routes: ``POST /challenges``, ``POST /credentials/verify``, ``POST /presentations/verify``,
``GET /healthz``, ``GET /readyz``; the OpenAPI document at ``/openapi.json``. FastAPI is
imported here and in ``verifier.web`` only (import-linter).
"""

from __future__ import annotations

from verifier.http.app import create_app
from verifier.http.settings import VerifierSettings

__all__ = ["VerifierSettings", "create_app"]
