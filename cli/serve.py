"""``shikaku serve``: run shikaku's HTTP services under uvicorn (ARCHITECTURE.md, cli/serve.py).

``shikaku serve`` alone runs the whole story on this machine (:mod:`cli.site`): the board,
the hospital's verifier with its page, and an emulated My Number Card, on 127.0.0.1 with the
files in ``--data-dir`` (``./shikaku-site`` by default), until Ctrl-C. Development only.

``shikaku serve verifier`` serves the employer's verifier (VC-API, :mod:`verifier.http`) on
127.0.0.1 by default: put it behind a TLS-terminating proxy before anyone else reaches it.
Settings come from the options, ``SHIKAKU_*`` variables and ``--config`` (a TOML file), in
that order (:class:`verifier.http.VerifierSettings`); the trust registry is the one
``shikaku trust`` keeps unless one is named.

``shikaku serve issuer`` serves a qualification board (:mod:`issuer.http`: VC-API issuance
per instance, status lists, did.json) on 127.0.0.1:8100 by default; ``--development`` runs it
with development defaults (keys made in the data directory, the three W3C suites' instances,
the development API key). ``--w3c-manifest`` prints the board's entry for the W3C test suites'
implementation manifest instead of serving (:func:`issuer.manifest.w3c_manifest`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["app"]

app = typer.Typer(
    help="Run shikaku's HTTP services: all of them on this machine, or the issuer or the "
    "verifier alone.",
)


@app.callback(invoke_without_command=True)
def everything(
    ctx: typer.Context,
    *,
    data_dir: Annotated[
        Path,
        typer.Option(
            "--data-dir",
            help="The folder everything is kept in (made on first use, reused afterwards).",
        ),
    ] = Path("shikaku-site"),
    issuer_port: Annotated[
        int, typer.Option(min=0, max=65535, help="The board's port (new folder; 0: any free).")
    ] = 8100,
    verifier_port: Annotated[
        int,
        typer.Option(min=0, max=65535, help="The hospital's port (new folder; 0: any free)."),
    ] = 8000,
) -> None:
    """Without a command: the board, the hospital's verifier and its page, and an emulated
    My Number Card, together on 127.0.0.1 on embedded defaults (development only)."""
    if ctx.invoked_subcommand is not None:
        return
    import signal
    import threading

    from cli.site import NURSE_SUBJECT, prepare_site, serving_site

    site = prepare_site(data_dir, issuer_port=issuer_port, verifier_port=verifier_port)
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    with serving_site(site):
        typer.echo(
            f"病院の確認ページ / the hospital's page:  {site.verifier_url}/\n"
            f"資格の登録機関 / the board:              {site.issuer_url}/docs\n"
            f"エミュレートされたカード / emulated card: {site.card} "
            f"({NURSE_SUBJECT}, PIN 1234)\n"
            f"保存先 / files:                          {site.folder}\n"
            "止めるには Ctrl-C / Ctrl-C stops them."
        )
        stop.wait()


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
    access_log: Annotated[
        bool,
        typer.Option(
            help="uvicorn's line per request (the service logs each verification's outcome)."
        ),
    ] = False,
    ssl_certfile: Annotated[
        Path | None, typer.Option(help="Serve https with this certificate (PEM).")
    ] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="The certificate's key (PEM).")] = None,
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
    tls: dict[str, Any] = {"ssl_certfile": ssl_certfile, "ssl_keyfile": ssl_keyfile}
    if workers == 1:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level="info",
            access_log=access_log,
            **tls,
        )
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
        access_log=access_log,
        **tls,
    )


@app.command("issuer")
def issuer(
    *,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8100,
    public_url: Annotated[
        str | None,
        typer.Option(help="The board's public origin (status list URLs, did:web)."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Settings TOML file (names as the SHIKAKU_ variables).")
    ] = None,
    development: Annotated[
        bool, typer.Option("--development", help="Development defaults (never in production).")
    ] = False,
    w3c_manifest: Annotated[
        bool,
        typer.Option(
            "--w3c-manifest", help="Print the W3C test-suite implementation manifest; no serving."
        ),
    ] = False,
    verifier_url: Annotated[
        str | None,
        typer.Option(help="With --w3c-manifest: the base URL of 'shikaku serve verifier'."),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="SHIKAKU_ADMIN_API_KEY",
            help="With --w3c-manifest: the API key the suites send (development: its own).",
        ),
    ] = None,
    ssl_certfile: Annotated[
        Path | None, typer.Option(help="Serve https with this certificate (PEM).")
    ] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="The certificate's key (PEM).")] = None,
) -> None:
    """Serve a qualification board (VC-API issuance, status lists, did.json) with uvicorn."""
    from issuer.settings import IssuerSettings

    values: dict[str, Any] = {"public_url": public_url}
    if development:
        values["environment"] = "development"
    values = {key: value for key, value in values.items() if value is not None}
    settings = IssuerSettings.load(toml_file=config, **values)
    if w3c_manifest:
        _print_manifest(settings, api_key, verifier_url)
        return
    import logging

    import uvicorn

    from issuer.board import open_board
    from issuer.http import create_app

    # Before listening: a database, schema, migration or key that fails is one clear line
    # (and exit code), not a traceback from inside uvicorn's startup.
    open_board(settings).close()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )


def _print_manifest(settings: Any, api_key: str | None, verifier_url: str | None) -> None:
    import json

    from issuer.instances import instance_identities
    from issuer.manifest import w3c_manifest
    from issuer.settings import DEVELOPMENT_API_KEY
    from vc_core.errors import ConfigError

    if api_key is None:
        if settings.environment != "development":
            raise ConfigError(
                "config.invalid", "--api-key (or $SHIKAKU_ADMIN_API_KEY) names the suites' key"
            )
        api_key = DEVELOPMENT_API_KEY
    manifest = w3c_manifest(
        settings, instance_identities(settings), api_key=api_key, verifier_url=verifier_url
    )
    typer.echo(json.dumps(manifest, indent=2, ensure_ascii=False))
