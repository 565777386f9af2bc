"""``create_app(settings)``: the employer's verifier as an HTTP service: VC-API and OpenID4VP.

ARCHITECTURE.md, "Target layout for the service layer": no module-level app, settings or
engine. The lifespan builds one :class:`~verifier.service.Verifier` from the settings
(:func:`~verifier.service.build_verifier`: trust registry, status lists, JPKI anchors, the
nonce database) and keeps it on ``app.state``; it is closed when the app shuts down. Routes
(:mod:`verifier.http.routes`) get it as a dependency. Errors are RFC 9457 problem documents
(:func:`service_kit.http.install_problem_handlers`), bodies are capped and read strictly.
OpenID4VP 1.0 (:mod:`verifier.http.oid4vp`) runs over the same verifier; its transactions live
in the verifier's database.

``transport`` replaces the network for status lists and issuer keys (tests, the demo);
``clock`` replaces the time.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from service_kit.http import direct_route, publish_models, service_app
from vc_core.clock import Clock, system_clock
from verifier.http.models import (
    ChallengeRequest,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
)
from verifier.http.oid4vp import CreateTransaction, open_oid4vp
from verifier.http.oid4vp import router as oid4vp_router
from verifier.http.routes import answer_credential, answer_presentation, router
from verifier.http.settings import VerifierSettings
from verifier.service import Transport, build_verifier
from verifier.web import router as page_router

__all__ = ["create_app", "from_environment"]

# As many as anyio's default thread limit, which the verifications used before.
_VERIFY_THREADS = 40


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
        # Verifications run here: CPU work, a status list fetch now and then, the nonce's commit.
        pool = ThreadPoolExecutor(max_workers=_VERIFY_THREADS, thread_name_prefix="verify")
        app.state.verify_pool = pool
        try:
            oid4vp = open_oid4vp(settings, verifier, now=clock())
            app.state.oid4vp = oid4vp
            try:
                yield
            finally:
                if not isinstance(oid4vp, Exception):
                    oid4vp.close()
        finally:
            pool.shutdown(wait=True)
            verifier.close()

    app = service_app(
        title="shikaku verifier",
        summary="Verify Japanese national qualifications presented as Verifiable Credentials.",
        lifespan=lifespan,
        settings=settings,
        max_body_bytes=settings.max_body_bytes,
    )
    app.include_router(router)
    # The VC-API verify routes skip FastAPI's routing and dependencies (see direct_route).
    direct_route(app, "POST", "/credentials/verify", answer_credential)
    direct_route(app, "POST", "/presentations/verify", answer_presentation)
    app.include_router(page_router)
    app.include_router(oid4vp_router)
    publish_models(
        app,
        ChallengeRequest,
        VerifyCredentialRequest,
        VerifyPresentationRequest,
        CreateTransaction,
    )
    return app


def from_environment() -> FastAPI:
    """The app as each of uvicorn's worker processes builds it (``uvicorn --factory``):
    settings from the ``SHIKAKU_*`` variables and the TOML file ``$SHIKAKU_CONFIG`` names."""
    config = os.environ.get("SHIKAKU_CONFIG")
    return create_app(VerifierSettings.load(toml_file=Path(config) if config else None))
