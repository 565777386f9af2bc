"""The board's HTTP service (VC-API issuance, status lists, did:web, admin API keys,
OpenID4VCI), routers per area mounted by the app factory.

:func:`create_app` builds it from :class:`~issuer.settings.IssuerSettings`;
:func:`~issuer.http.auth.require_scope` guards the routes that change the board.
"""

from issuer.http.app import create_app
from issuer.http.auth import require_scope
from issuer.settings import IssuerSettings

__all__ = ["IssuerSettings", "create_app", "require_scope"]
