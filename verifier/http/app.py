"""``create_app(settings)``: the employer's verifier as an HTTP service speaking VC-API.

ARCHITECTURE.md, "Target layout for the service layer": no module-level app, settings or
engine. The lifespan builds one :class:`~verifier.service.Verifier` from the settings
(:func:`~verifier.service.build_verifier`: trust registry, status lists, JPKI anchors, the
nonce database) and keeps it on ``app.state``; it is closed when the app shuts down. Routes
(:mod:`verifier.http.routes`) get it as a dependency. Errors are RFC 9457 problem documents
(:func:`service_kit.http.install_problem_handlers`), bodies are capped and read strictly.

``transport`` replaces the network for status lists and issuer keys (tests, the demo);
``clock`` replaces the time.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from service_kit.http import install_problem_handlers, limit_body_size, publish_models
from vc_core.clock import Clock, system_clock
from verifier.http.models import (
    ChallengeRequest,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
)
from verifier.http.routes import router
from verifier.http.settings import VerifierSettings
from verifier.service import Transport, build_verifier
from verifier.web import router as page_router

__all__ = ["create_app", "from_environment"]


def create_app(
    settings: VerifierSettings,
    *,
    transport: Transport | None = None,
    clock: Clock = system_clock,
) -> FastAPI:
    """The verifier service for ``settings``; nothing is opened until the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        verifier = build_verifier(settings.verifier_config(), clock=clock, transport=transport)
        app.state.verifier = verifier
        try:
            yield
        finally:
            verifier.close()

    app = FastAPI(
        title="shikaku verifier",
        summary="Verify Japanese national qualifications presented as Verifiable Credentials.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    install_problem_handlers(app)
    limit_body_size(app, settings.max_body_bytes)
    app.include_router(router)
    app.include_router(page_router)
    publish_models(app, ChallengeRequest, VerifyCredentialRequest, VerifyPresentationRequest)
    return app


def from_environment() -> FastAPI:
    """The app as each of uvicorn's worker processes builds it (``uvicorn --factory``):
    settings from the ``SHIKAKU_*`` variables and the TOML file ``$SHIKAKU_CONFIG`` names."""
    config = os.environ.get("SHIKAKU_CONFIG")
    return create_app(VerifierSettings.load(toml_file=Path(config) if config else None))
