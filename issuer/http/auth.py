"""Admin authentication: API keys with scopes, for the board's routes that change things.

A caller presents its key as ``Authorization: Bearer <key>``. The service keeps only the
SHA-256 of each key (:class:`issuer.settings.ApiKey`), compares digests in constant time,
and grants the scopes the matching key lists. A route that changes the board declares what it
needs::

    @router.post("/credentials/status", dependencies=[Depends(require_scope("status:write"))])

or takes the key to log who acted: ``key: Annotated[ApiKey, Depends(require_scope("issue"))]``.

No key, or a key the service does not know, is 401 ``request.unauthorized`` with
``WWW-Authenticate: Bearer``; a known key without the scope is 403 ``request.forbidden``.
Outside development a presented key that could not be a real secret (too short, too few
distinct characters, a placeholder word: :func:`service_kit.settings.is_placeholder`) is never
accepted, whatever the settings say. Logs name the key, never the key itself.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from fastapi import FastAPI, Request
from starlette.responses import Response

from issuer.settings import SCOPES, ApiKey, IssuerSettings, api_key_hash
from service_kit.http import problem_response
from service_kit.settings import is_placeholder
from vc_core.errors import RequestError, ShikakuError

__all__ = ["AuthError", "authenticate", "install_auth_handler", "require_scope"]

log = logging.getLogger("shikaku.issuer.http")
_CHALLENGE: Final = 'Bearer realm="shikaku issuer"'


class AuthError(RequestError):
    """A refused key: answered with ``WWW-Authenticate`` (see :func:`install_auth_handler`)."""


def authenticate(settings: IssuerSettings, authorization: str | None) -> ApiKey:
    """The API key an ``Authorization`` header presents, or ``request.unauthorized``."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("request.unauthorized", "this route needs an API key (Bearer)")
    if settings.environment != "development" and is_placeholder(token):
        raise AuthError("request.unauthorized", "the API key is not one this service accepts")
    digest = api_key_hash(token)
    found = None
    for key in settings.admin_keys:
        if hmac.compare_digest(key.sha256, digest):
            found = key
    if found is None:
        raise AuthError("request.unauthorized", "the API key is not one this service accepts")
    return found


def require_scope(scope: str) -> Callable[[Request], Awaitable[ApiKey]]:
    """A FastAPI dependency: the caller's API key, which must grant ``scope``."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    async def dependency(request: Request) -> ApiKey:
        settings: IssuerSettings = request.app.state.settings
        key = authenticate(settings, request.headers.get("authorization"))
        if scope not in key.scopes:
            log.info("%s %s: key %s lacks %s", request.method, request.url.path, key.name, scope)
            raise RequestError("request.forbidden", f"the API key does not grant {scope}")
        log.info("%s %s: key %s", request.method, request.url.path, key.name)
        return key

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


def install_auth_handler(app: FastAPI) -> None:
    """Answer :class:`AuthError` as a 401 problem with ``WWW-Authenticate``."""

    async def on_auth_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ShikakuError)
        log.info("%s %s refused: %s", request.method, request.url.path, exc.code)
        return problem_response(
            exc, instance=request.url.path, headers={"WWW-Authenticate": _CHALLENGE}
        )

    app.add_exception_handler(AuthError, on_auth_error)
