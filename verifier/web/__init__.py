"""The employer's web page: check a qualification without knowing what a credential is.

Server-rendered (Jinja2, autoescaped), Japanese first with an English toggle, usable with the
keyboard and a screen reader, and without JavaScript for everything but printing. The page
is part of the verifier service (:func:`verifier.http.create_app` mounts :data:`router`) and
verifies through the same :class:`~verifier.service.Verifier` and employer policy as the
VC-API routes; the words come from :mod:`verifier.explain`.
"""

from verifier.web.page import router

__all__ = ["router"]
