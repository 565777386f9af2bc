"""``shikaku serve``: run shikaku's HTTP services under uvicorn (ARCHITECTURE.md, cli/serve.py).

``shikaku serve verifier`` serves the employer's verifier (VC-API, :mod:`verifier.http`) on
127.0.0.1 by default: put it behind a TLS-terminating proxy before anyone else reaches it.
Settings come from the options, ``SHIKAKU_*`` variables and ``--config`` (a TOML file), in
that order (:class:`verifier.http.VerifierSettings`); the trust registry is the one
``shikaku trust`` keeps unless one is named.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["app"]

app = typer.Typer(
    help="Run shikaku's HTTP services (the verifier, speaking VC-API).", no_args_is_help=True
)


@app.command("verifier")
def verifier(
    *,
    audience: Annotated[
        str | None,
        typer.Option(help="The verifier's own identity, VC-API's domain (or $SHIKAKU_AUDIENCE)."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    trust: Annotated[
        Path | None,
        typer.Option(help="Trust registry TOML file (default: the one shikaku trust keeps)."),
    ] = None,
    status_allow: Annotated[
        list[str] | None,
        typer.Option(help="URL prefix status lists may be fetched from (repeatable)."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Settings TOML file (names as the SHIKAKU_ variables).")
    ] = None,
) -> None:
    """Serve the employer's verifier (VC-API) with uvicorn, on 127.0.0.1 by default."""
    import logging

    import uvicorn

    from cli.trust import ENV_REGISTRY, default_registry_path
    from verifier.http import VerifierSettings, create_app

    values: dict[str, Any] = {"audience": audience, "trust_registry": trust}
    if status_allow:
        values["status_allow"] = tuple(status_allow)
    values = {key: value for key, value in values.items() if value is not None}
    settings = VerifierSettings.load(toml_file=config, **values)
    kept = default_registry_path()
    if settings.trust_registry is None and not os.environ.get(ENV_REGISTRY) and kept.is_file():
        settings = VerifierSettings.load(toml_file=config, **values, trust_registry=kept)
    # The services log outcomes and codes under "shikaku.*" (never nonces or credentials).
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
