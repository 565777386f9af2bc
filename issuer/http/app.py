"""``create_app(settings)``: a qualification board as an HTTP service speaking VC-API.

ARCHITECTURE.md, "Target layout for the service layer": no module-level app, settings or
engine. The lifespan opens one :class:`~issuer.board.Board` (:func:`issuer.board.open_board`:
its store, status registry, publisher and key) and the issuer instances on it
(:func:`issuer.instances.open_instances`), keeps them on ``app.state``, records the did:web
keys in use (:class:`issuer.identity.KeyHistory`), publishes every list that is missing or
stale so the URLs in issued credentials answer, and closes the board at shutdown.

Routes: issuance (:mod:`issuer.http.issue`), status lists and status changes
(:mod:`issuer.http.status`), public documents and probes (:mod:`issuer.http.public`), and
OpenID4VCI 1.0 (:mod:`issuer.http.oid4vci`, its service on ``app.state.oid4vci``, with the
enrolment desk of :func:`issuer.enrolment.enrolment_desk` on ``app.state.enrolment``).
Errors are RFC 9457 problem documents (:func:`service_kit.http.install_problem_handlers`);
bodies are capped and read strictly; admin routes need an API key
(:func:`issuer.http.auth.require_scope`).

``clock`` replaces the time, ``signer`` the board's key, ``signers`` instance keys by name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from issuer.board import open_board
from issuer.enrolment import enrolment_desk
from issuer.http.admin import router as admin_router
from issuer.http.auth import install_auth_handler
from issuer.http.issue import router as issue_router
from issuer.http.models import IssueRequest, OfferRequest, StatusUpdateRequest
from issuer.http.oid4vci import router as oid4vci_router
from issuer.http.public import router as public_router
from issuer.http.status import router as status_router
from issuer.identity import KeyHistory
from issuer.instances import open_instances
from issuer.lifecycle import LifecycleScheduler
from issuer.oid4vci import Oid4vciIssuer
from issuer.settings import IssuerSettings
from service_kit.http import publish_models, service_app
from vc_core.clock import Clock, system_clock
from vc_core.keys import Signer

__all__ = ["create_app"]


def create_app(
    settings: IssuerSettings,
    *,
    clock: Clock = system_clock,
    signer: Signer | None = None,
    signers: Mapping[str, Signer] | None = None,
) -> FastAPI:
    """The board's service for ``settings``; nothing is opened until the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        board = await run_in_threadpool(open_board, settings, clock=clock, signer=signer)
        try:
            instances = open_instances(board, signers=signers)
            retention = (
                None
                if settings.retired_key_days is None
                else timedelta(days=settings.retired_key_days)
            )
            identities = [board.identity, *instances.identities()]
            await run_in_threadpool(KeyHistory(board.store).record, identities, clock(), retention)
            for publisher in instances.publishers.values():
                await run_in_threadpool(publisher.publish_due)
            app.state.board = board
            app.state.instances = instances
            # The enrolment desk (None when the board trusts no JPKI root), and OpenID4VCI with
            # it: a wallet enrols its holder key in the session of the offer it redeems.
            app.state.enrolment = await run_in_threadpool(enrolment_desk, board)
            app.state.oid4vci = await run_in_threadpool(
                partial(Oid4vciIssuer, board, enrolment=app.state.enrolment)
            )
            # Suspensions start and end on their days, and lists are re-signed before they
            # expire, while the service runs (issuer.lifecycle.LifecycleScheduler).
            with LifecycleScheduler(board):
                yield
        finally:
            board.close()

    app = service_app(
        title="shikaku issuer",
        summary="A qualification board: issue credentials, publish status lists (VC-API).",
        lifespan=lifespan,
        settings=settings,
        max_body_bytes=settings.max_body_bytes,
    )
    install_auth_handler(app)
    app.include_router(issue_router)
    app.include_router(status_router)
    app.include_router(public_router)
    app.include_router(oid4vci_router)
    app.include_router(admin_router)
    publish_models(app, IssueRequest, StatusUpdateRequest, OfferRequest)
    return app
