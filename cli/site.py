"""A whole shikaku on this machine: the board, the hospital's verifier and page, one card.

``shikaku serve`` (without ``issuer`` or ``verifier``) and ``shikaku demo`` run the three
parties of the story side by side on loopback, on embedded defaults: SQLite files in one
folder and the in-process My Number Card emulator. :func:`prepare_site` lays the folder out
once and reuses it afterwards, so the board's key, its register, the credentials it issued
and the wallet stay where the last run left them::

    board.toml     the board's settings (``shikaku serve issuer --config``, ``shikaku issuer
                   --config``); its ``public_url`` names the board's port
    hospital.toml  the hospital's settings (``shikaku serve verifier --config``)
    board/         the board's data directory (its key, board.db, status lists)
    hospital/      the verifier's data directory (nonces, OpenID4VP transactions, its
                   self-signed request-signing certificate; the wallet trusts
                   hospital/oid4vp/development-certificate.pem as a verifier root)
    trust.toml     the hospital's trust registry: the board, for the qualifications it issues
    card/          the emulated My Number Card of 佐藤 花子 (register number 1000001 of the
                   sample 看護師 register), PINs 1234 (利用者証明用) and ABC123 (署名用)
    card/pki/      its test JPKI: the roots both the board and the hospital trust

The board runs in ``development``: its key is made in ``board/`` on first start and the
development admin API key is accepted — never a deployment. It still holds credentials only
for keys enrolled with the My Number Card (``oid4vci_holders = "enrolled"``), as a board in
service does — the wallet enrols the card in the OpenID4VCI session (``enrolment_secret`` is
made with the folder) — and its status lists may be cached for :data:`STATUS_TTL_SECONDS`
only, so a suspension shows at the hospital's next check. Everything listens on 127.0.0.1 over plain
http: the wallet and the verifier accept http for loopback origins only.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from issuer.keys import open_signer
from issuer.settings import IssuerSettings
from jpki_bridge.certs import Sex
from jpki_bridge.emulator import CardState
from jpki_bridge.pki import TestPerson, make_test_pki
from vc_core.errors import ConfigError
from vc_schemas.catalogue import default_catalogue
from verifier.http import VerifierSettings
from verifier.trust import TrustedIssuer, TrustRegistry

__all__ = [
    "DEFAULT_ISSUER_PORT",
    "DEFAULT_VERIFIER_PORT",
    "NURSE",
    "STATUS_TTL_SECONDS",
    "Site",
    "prepare_site",
    "serving",
    "serving_site",
]

DEFAULT_ISSUER_PORT: Final = 8100
DEFAULT_VERIFIER_PORT: Final = 8000
#: How long the hospital may cache the board's status lists here (seconds).
STATUS_TTL_SECONDS: Final = 1
#: The emulated card's holder: 佐藤 花子 of the sample register (kangoshi-sample.csv).
NURSE: Final = TestPerson(name="佐藤\u3000花子", birth_date=dt.date(1987, 5, 14), sex=Sex.FEMALE)
NURSE_SUBJECT: Final = "kangoshi:1000001"


@dataclass(frozen=True)
class Site:
    """A prepared folder: each service's settings and the emulated card."""

    folder: Path
    host: str
    issuer_port: int
    verifier_port: int
    board: IssuerSettings
    hospital: VerifierSettings
    board_did: str

    @property
    def issuer_url(self) -> str:
        return f"http://{self.host}:{self.issuer_port}"

    @property
    def verifier_url(self) -> str:
        return f"http://{self.host}:{self.verifier_port}"

    @property
    def card(self) -> Path:
        """The emulated card's state folder (``shikaku card --emulator`` takes it)."""
        return self.folder / "card"

    @property
    def anchors(self) -> tuple[Path, ...]:
        """The test JPKI roots (利用者証明用, 署名用) the board and the hospital trust."""
        return (self.card / "pki" / "auth-ca.pem", self.card / "pki" / "sign-ca.pem")


def prepare_site(
    folder: Path,
    *,
    host: str = "127.0.0.1",
    issuer_port: int = DEFAULT_ISSUER_PORT,
    verifier_port: int = DEFAULT_VERIFIER_PORT,
) -> Site:
    """Lay ``folder`` out (see the module), or reuse it as an earlier run left it.

    A new folder takes the ports given (0: any free one, chosen now) and writes them into its
    settings files; a folder that has them keeps its own, since the credentials issued there
    name the board's URL. The files are written once and then only read: edit them freely.
    """
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    card = folder / "card"
    if not (card / "card.json").is_file():
        pki = make_test_pki(NURSE)
        pki.save(card / "pki")
        CardState.provision(card, pki)
    anchors = (card / "pki" / "auth-ca.pem", card / "pki" / "sign-ca.pem")
    board_file, hospital_file = folder / "board.toml", folder / "hospital.toml"
    if not board_file.is_file():
        issuer_port = issuer_port or _free_port(host)
        _write_settings(
            board_file,
            "The board's settings (shikaku serve issuer --config, shikaku issuer --config).",
            data_dir=str(folder / "board"),
            public_url=f"http://{host}:{issuer_port}",
            environment="development",
            jpki_anchors=[str(path) for path in anchors],
            enrolment_secret=secrets.token_urlsafe(32),
            oid4vci_holders="enrolled",
            status_list_ttl_seconds=STATUS_TTL_SECONDS,
        )
    board = IssuerSettings.load(toml_file=board_file)
    board_did = _board_did(board)
    trust = folder / "trust.toml"
    if not trust.is_file():
        TrustRegistry([_board_entry(board_did)]).save(trust)
    if not hospital_file.is_file():
        verifier_port = verifier_port or _free_port(host, avoid=_port_of(board.public_url))
        _write_settings(
            hospital_file,
            "The hospital's settings (shikaku serve verifier --config).",
            data_dir=str(folder / "hospital"),
            audience=f"http://{host}:{verifier_port}",
            trust_registry=str(trust),
            status_allow=[board.public_url.rstrip("/") + "/"],
            jpki_anchors=[str(path) for path in anchors],
            environment="development",
        )
    hospital = VerifierSettings.load(toml_file=hospital_file)
    host = urlsplit(board.public_url).hostname or host
    issuer_port, verifier_port = _port_of(board.public_url), _port_of(hospital.audience)
    return Site(folder, host, issuer_port, verifier_port, board, hospital, board_did)


@contextmanager
def serving_site(site: Site, *, timeout: float = 60.0) -> Iterator[Site]:
    """Serve the board and the hospital (its page included) under uvicorn, each in a thread
    of this process, until the block ends."""
    from issuer.http import create_app as issuer_app
    from verifier.http import create_app as verifier_app

    with ExitStack() as stack:
        stack.enter_context(
            serving(issuer_app(site.board), site.host, site.issuer_port, timeout=timeout)
        )
        stack.enter_context(
            serving(verifier_app(site.hospital), site.host, site.verifier_port, timeout=timeout)
        )
        yield site


@contextmanager
def serving(app: Any, host: str, port: int, *, timeout: float = 60.0) -> Iterator[str]:
    """Serve ``app`` under uvicorn on ``host:port`` in a thread of this process until the block
    ends; its base URL. ``config.invalid`` when it does not start."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    # In a thread uvicorn installs no signal handlers: the caller stops it (should_exit).
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise ConfigError("config.invalid", f"the service on {host}:{port} did not start")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise ConfigError("config.invalid", f"the service on {host}:{port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=timeout)


def _write_settings(path: Path, comment: str, **values: Any) -> None:
    lines = [
        f"# {comment}",
        "# Made by shikaku serve / shikaku demo for this machine: development only.",
    ]
    lines += [f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _port_of(url: str) -> int:
    port = urlsplit(url).port
    if port is None:
        raise ConfigError("config.invalid", f"{url}: a local site names its port")
    return port


def _board_did(settings: IssuerSettings) -> str:
    from issuer.identity import identity_of

    signer = open_signer(settings)  # development: made in board/ on first use, then kept
    return identity_of(signer, settings.did_method, settings.public_url).did


def _board_entry(did: str) -> TrustedIssuer:
    """The board as the hospital trusts it: for every qualification 厚生労働大臣 licenses
    (the development board's name, IssuerSettings.name)."""
    catalogue = default_catalogue()
    minister = next(q for q in catalogue if q.id == "kangoshi").default_authority
    licensed = frozenset(q.id for q in catalogue if any(a.id == minister.id for a in q.authorities))
    return TrustedIssuer(
        id=did, name_ja=minister.name.ja, name_en=minister.name.en, qualifications=licensed
    )


def _free_port(host: str, *, avoid: int = 0) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
        if port != avoid:
            return port
