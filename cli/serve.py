"""``shikaku serve``: run shikaku's HTTP services under uvicorn (ARCHITECTURE.md, cli/serve.py).

``shikaku serve verifier`` serves the employer's verifier (VC-API, :mod:`verifier.http`) on
127.0.0.1 by default: put it behind a TLS-terminating proxy before anyone else reaches it.
Settings come from the options, ``SHIKAKU_*`` variables and ``--config`` (a TOML file), in
that order (:class:`verifier.http.VerifierSettings`); the trust registry is the one
``shikaku trust`` keeps unless one is named.
"""

from __future__ import annotations

import json
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
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (one per core serves most).")
    ] = 1,
) -> None:
    """Serve the employer's verifier (VC-API) with uvicorn, on 127.0.0.1 by default."""
    import logging

    import uvicorn
    from pydantic import SecretStr

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
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    # Each worker process builds its own app from the same settings, passed down as the
    # SHIKAKU_* variables it reads (verifier.http.app.from_environment); they share the
    # nonce database, so a nonce is consumed once whichever worker answers.
    # Secrets are left where they came from (the environment or the TOML file).
    dumped = settings.model_dump(mode="json", exclude_unset=True)
    for name, value in dumped.items():
        if isinstance(getattr(settings, name), SecretStr):
            continue
        os.environ[f"SHIKAKU_{name.upper()}"] = (
            value if isinstance(value, str) else json.dumps(value)
        )
    if config is not None:
        os.environ["SHIKAKU_CONFIG"] = str(config)
    uvicorn.run(
        "verifier.http.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
