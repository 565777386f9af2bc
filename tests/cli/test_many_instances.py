"""Issue 14, many instances: two issuers and two verifiers, real processes on one PostgreSQL.

Each service is ``shikaku serve issuer`` or ``shikaku serve verifier`` in a process of its own,
on a port of its own, set up the way the board operator's guide says (docs/_many-instances.md):
both issuers read one settings file (one board: its signing key file, its public URL, its
instances and API keys) and both verifiers another (one employer: audience, trust registry,
the board's status lists allowed), and ``SHIKAKU_DATABASE_URL`` names the board's database or
the employer's, two schemas on one PostgreSQL server. The issuers' public URL is issuer B's
origin, so the status lists in every credential, whichever issuer made it, are served by B.

What they show: status indexes never repeat across the issuers; a challenge (nonce) issued by
one verifier is consumed once across both; a suspension made through issuer A is served by
issuer B and reported by a verifier that had never read the list; an OpenID4VCI code redeemed
at one issuer is refused at the other, which honours the access token the first issued.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from cli.samples import jp_sample_credential
from issuer.keys import save_encrypted
from issuer.settings import IssuerSettings, api_key_hash
from issuer.status.models import EntryRow, ListRow
from service_kit.db import create_engine
from tests.issuer.oid4vci.conftest import SD_JWT, offer_of_record
from tests.issuer.oid4vci.wallet import Wallet, new_key
from tests.issuer.pg import postgres_server, temporary_schema
from vc_core import di
from vc_core.did import did_jwk_from_public_key, did_key_from_public_key
from vc_core.keys import SoftwareKey, generate_key
from vc_core.status.bitstring import decode_list
from vc_schemas.registry import loader as schemas_loader
from verifier.trust import TrustedIssuer, TrustRegistry

pytestmark = pytest.mark.slow

_ROOT = Path(__file__).resolve().parents[2]
_SHIKAKU = (sys.executable, "-c", "from cli.app import main; main()")
_START = 120.0  # seconds: a bound on a hung start, never a timing assertion
AUDIENCE = "https://hospital.example.jp"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Service:
    """One ``shikaku serve`` process: its name, base URL, process and log file."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def logs(self) -> str:
        return f"--- {self.name} ---\n" + self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Deployment:
    """The board (issuers ``a`` and ``b``), the employer (verifiers ``a`` and ``b``), and what
    the test needs to talk to them."""

    folder: Path
    board_url: str
    employer_url: str
    board_did: str
    api_key: str
    passphrase: str
    issuer_ports: dict[str, int]
    verifier_ports: dict[str, int]
    env: dict[str, str]
    services: dict[str, Service] = field(default_factory=dict)

    def start(self, *names: str) -> None:
        """Start the services named (``issuer-a``, ``verifier-b``, …) together; wait until
        each answers ``/readyz``."""
        for name in names:
            role, instance = name.split("-")
            ports = self.issuer_ports if role == "issuer" else self.verifier_ports
            port = ports[instance]
            config = self.folder / f"{role}.toml"
            url = self.board_url if role == "issuer" else self.employer_url
            log = self.folder / f"{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [*_SHIKAKU, "serve", role, "--config", str(config), "--port", str(port)],
                    cwd=_ROOT,
                    env={**self.env, "SHIKAKU_DATABASE_URL": url},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            self.services[name] = Service(name, f"http://127.0.0.1:{port}", process, log)
        for name in names:
            self._wait_ready(self.services[name])

    def _wait_ready(self, service: Service) -> None:
        deadline = time.monotonic() + _START
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                pytest.fail(f"{service.name} exited {service.process.returncode}\n{self.logs()}")
            try:
                if httpx.get(service.url + "/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"{service.name} was not ready\n{self.logs()}")

    def url(self, name: str) -> str:
        return self.services[name].url

    def logs(self) -> str:
        return "\n".join(service.logs() for service in self.services.values())

    def stop(self) -> None:
        for service in self.services.values():
            service.process.terminate()
        for service in self.services.values():
            try:
                service.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    server, reason = postgres_server()
    if server is None:
        pytest.skip(reason)
    with ExitStack() as stack:
        # The board's database and the employer's: two schemas of one PostgreSQL server.
        board_url = stack.enter_context(temporary_schema(server))
        employer_url = stack.enter_context(temporary_schema(server))
        made = _configure(tmp_path, board_url, employer_url)
        stack.callback(made.stop)
        yield made


def _configure(folder: Path, board_url: str, employer_url: str) -> Deployment:
    """The two settings files, the board's key file and the employer's trust registry."""
    passphrase = secrets.token_hex(24)
    key = generate_key("p256")
    save_encrypted(key, folder / "board-key.pem", passphrase)
    board_did = did_key_from_public_key(key.public_key)
    api_key = secrets.token_urlsafe(32)
    issuer_ports = {"a": _free_port(), "b": _free_port()}
    verifier_ports = {"a": _free_port(), "b": _free_port()}
    public_url = f"http://127.0.0.1:{issuer_ports['b']}"
    (folder / "issuer.toml").write_text(
        f"""\
public_url = "{public_url}"
data_dir = "{folder / "board"}"
signing_key = "{folder / "board-key.pem"}"
instances = [{{ name = "board", suite = "ecdsa-rdfc-2019" }}]
api_keys = [
  {{ name = "registrar", sha256 = "{api_key_hash(api_key)}", scopes = ["issue", "status:write"] }},
]
""",
        encoding="utf-8",
    )
    TrustRegistry(
        [
            TrustedIssuer(
                id=board_did,
                name_ja="厚生労働大臣",
                name_en="Minister of Health, Labour and Welfare",
                qualifications=frozenset({"kangoshi"}),
            )
        ]
    ).save(folder / "trust.toml")
    (folder / "verifier.toml").write_text(
        f"""\
audience = "{AUDIENCE}"
data_dir = "{folder / "employer"}"
trust_registry = "{folder / "trust.toml"}"
status_allow = ["{public_url}/status/"]
""",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "SHIKAKU_SIGNING_KEY_PASSPHRASE": passphrase,
        "XDG_DATA_HOME": str(folder / "xdg-data"),
        "XDG_CONFIG_HOME": str(folder / "xdg-config"),
    }
    for name in ("SHIKAKU_DATA_DIR", "SHIKAKU_TRUST_REGISTRY", "SHIKAKU_ENVIRONMENT"):
        env.pop(name, None)
    return Deployment(
        folder=folder,
        board_url=board_url,
        employer_url=employer_url,
        board_did=board_did,
        api_key=api_key,
        passphrase=passphrase,
        issuer_ports=issuer_ports,
        verifier_ports=verifier_ports,
        env=env,
    )


# -- the board and the holder, over HTTP ---------------------------------------------------------


def _issue(http: httpx.Client, base: str, made: Deployment, holder: str) -> dict[str, Any]:
    credential = jp_sample_credential(serial=secrets.randbits(48), issuer=made.board_did)
    credential["credentialSubject"]["id"] = holder
    answer = http.post(
        f"{base}/instances/board/credentials/issue",
        json={"credential": credential},
        headers={"Authorization": f"Bearer {made.api_key}"},
    )
    assert answer.status_code == 201, answer.text
    issued: dict[str, Any] = answer.json()["verifiableCredential"]
    return issued


def _entries(credential: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """The credential's status entries by purpose: ``(list URL, index)``."""
    return {
        entry["statusPurpose"]: (entry["statusListCredential"], int(entry["statusListIndex"]))
        for entry in credential["credentialStatus"]
    }


def _presentation(credential: dict[str, Any], holder: SoftwareKey, nonce: str) -> dict[str, Any]:
    did = did_jwk_from_public_key(holder.public_key)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": [credential],
    }
    return di.sign(
        unsigned,
        suite="ecdsa-rdfc-2019",
        signer=holder,
        loader=schemas_loader(),
        verification_method=f"{did}#0",
        proof_purpose="authentication",
        challenge=nonce,
        domain=AUDIENCE,
    )


def _challenge(http: httpx.Client, base: str) -> str:
    answer = http.post(f"{base}/challenges")
    assert answer.status_code == 201, answer.text
    nonce: str = answer.json()["challenge"]
    return nonce


def _codes(answer: httpx.Response) -> list[str]:
    return [str(error.get("code")) for error in answer.json().get("errors", [])]


class Balancer(httpx.BaseTransport):
    """The proxy in front of the issuers, in the wallet's client: a request to the board's
    public origin goes to the issuer the test names (``target``, a port)."""

    def __init__(self, public_url: str, target: int) -> None:
        self._public = httpx.URL(public_url)
        self._inner = httpx.HTTPTransport()
        self.target = target

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if (request.url.host, request.url.port) == (self._public.host, self._public.port):
            request.url = request.url.copy_with(port=self.target)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _race(http: httpx.Client, bases: list[str], body: dict[str, Any]) -> list[httpx.Response]:
    """``body`` sent to every verifier's ``/presentations/verify`` at the same moment."""
    start = threading.Barrier(len(bases))

    def send(base: str) -> httpx.Response:
        start.wait()
        return http.post(f"{base}/presentations/verify", json=body)

    with ThreadPoolExecutor(max_workers=len(bases)) as pool:
        return list(pool.map(send, bases))


def _bit(http: httpx.Client, list_url: str, index: int) -> int:
    """The entry ``index`` of the list as the issuer serving ``list_url`` publishes it."""
    answer = http.get(list_url, headers={"Accept": "application/vc"})
    assert answer.status_code == 200, answer.text
    encoded = answer.json()["credentialSubject"]["encodedList"]
    return decode_list(encoded).get(index)


# -- the guarantees ------------------------------------------------------------------------------


def test_status_indexes_never_repeat_across_issuers(deployment: Deployment) -> None:
    deployment.start("issuer-a", "issuer-b")
    bases = [deployment.url("issuer-a"), deployment.url("issuer-b")] * 30
    holder = did_jwk_from_public_key(generate_key("p256").public_key)
    with httpx.Client(timeout=120) as http, ThreadPoolExecutor(max_workers=8) as pool:
        issued = list(pool.map(lambda base: _issue(http, base, deployment, holder), bases))
    places = [place for credential in issued for place in _entries(credential).values()]
    assert len(places) == 2 * len(bases)  # A revocation and a suspension entry each.
    repeated = [place for place, count in Counter(places).items() if count > 1]
    assert repeated == []
    # Both issuers drew from the same lists: one board, one registry.
    lists = {url for url, _ in places}
    assert len(lists) == 2, lists
    # And the database agrees: each list's counter moved once per entry, no entry is doubled.
    engine = create_engine(deployment.board_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(select(EntryRow.list_id, EntryRow.idx)).all()
            counted = sum(connection.scalars(select(ListRow.allocated)))
    finally:
        engine.dispose()
    assert len(stored) == len(set(stored)) == len(places) == counted


def test_a_nonce_is_consumed_once_across_verifiers(deployment: Deployment) -> None:
    deployment.start("issuer-b", "verifier-a", "verifier-b")
    holder = generate_key("p256")
    verifiers = [deployment.url("verifier-a"), deployment.url("verifier-b")]
    with httpx.Client(timeout=120) as http:
        credential = _issue(
            http, deployment.url("issuer-b"), deployment, did_jwk_from_public_key(holder.public_key)
        )
        for issued_by in verifiers:
            presentation = _presentation(credential, holder, _challenge(http, issued_by))
            answers = _race(http, verifiers, {"verifiablePresentation": presentation})
            outcomes = sorted((a.status_code, tuple(_codes(a))) for a in answers)
            assert outcomes == [(200, ()), (400, ("nonce.reused",))], [a.text for a in answers]
            assert [a.json()["verified"] for a in answers if a.status_code == 200] == [True]


def test_a_suspension_through_one_issuer_shows_at_the_other(deployment: Deployment) -> None:
    deployment.start("issuer-a", "issuer-b", "verifier-a", "verifier-b")
    holder = generate_key("p256")
    issuer_a, issuer_b = deployment.url("issuer-a"), deployment.url("issuer-b")
    with httpx.Client(timeout=120) as http:
        credential = _issue(http, issuer_a, deployment, did_jwk_from_public_key(holder.public_key))
        list_url, index = _entries(credential)["suspension"]
        assert list_url.startswith(issuer_b + "/status/")  # The board's public URL is B's.
        before = _presentation(credential, holder, _challenge(http, deployment.url("verifier-a")))
        answer = http.post(
            deployment.url("verifier-a") + "/presentations/verify",
            json={"verifiablePresentation": before},
        )
        assert answer.status_code == 200, answer.text
        assert _bit(http, list_url, index) == 0

        changed = http.post(
            issuer_a + "/credentials/status",
            json={
                "credentialId": credential["id"],
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "suspension",
                    "status": True,
                },
            },
            headers={"Authorization": f"Bearer {deployment.api_key}"},
        )
        assert changed.status_code == 200, changed.text

        # Issuer B serves the list issuer A changed.
        assert _bit(http, list_url, index) == 1
        # Verifier B reads it there (verifier A may keep the list it read for the list's ttl,
        # as W3C Bitstring Status List §2.2 allows) and reports the suspension.
        after = _presentation(credential, holder, _challenge(http, deployment.url("verifier-b")))
        answer = http.post(
            deployment.url("verifier-b") + "/presentations/verify",
            json={"verifiablePresentation": after},
        )
        assert answer.status_code == 400, answer.text
        assert "status.suspended" in _codes(answer), answer.text

        # And back: reinstated through issuer B, served cleared by issuer A's route too.
        reinstated = http.post(
            issuer_b + "/credentials/status",
            json={
                "credentialId": credential["id"],
                "credentialStatus": {"type": "BitstringStatusListEntry", "status": "unsuspended"},
            },
            headers={"Authorization": f"Bearer {deployment.api_key}"},
        )
        assert reinstated.status_code == 200, reinstated.text
        assert _bit(http, issuer_a + list_url.removeprefix(issuer_b), index) == 0


def test_an_openid4vci_grant_is_honoured_once_across_issuers(deployment: Deployment) -> None:
    """The code is redeemed at issuer A; B refuses it again, and takes the access token A
    issued: the credential request gets past the token to the board's policy (outside
    development a board issues only to keys enrolled with the My Number Card, which needs a
    card; an access token B did not know would be ``invalid_token``)."""
    deployment.start("issuer-a", "issuer-b")
    settings = IssuerSettings.load(
        toml_file=deployment.folder / "issuer.toml",
        database_url=SecretStr(deployment.board_url),
        signing_key_passphrase=SecretStr(deployment.passphrase),
    )
    created = offer_of_record(settings)
    public_url = settings.public_url
    port_a, port_b = deployment.issuer_ports["a"], deployment.issuer_ports["b"]
    balancer = Balancer(public_url, target=port_a)
    with httpx.Client(transport=balancer, timeout=120) as http:
        wallet = Wallet(http)
        metadata, server = wallet.metadata(public_url)
        offer = wallet.resolve(created.by_value)
        code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
        redeem = (server["token_endpoint"], code["pre-authorized_code"], created.tx_code)
        token = wallet.token(*redeem)
        assert token.status_code == 200, token.text
        balancer.target = port_b
        again = wallet.token(*redeem)
        assert again.status_code == 400, again.text
        assert again.json()["error"] == "invalid_grant"
        proof = wallet.key_proof(
            new_key(), audience=public_url, nonce=wallet.c_nonce(metadata["nonce_endpoint"])
        )
        answer = wallet.post(
            metadata["credential_endpoint"],
            access_token=token.json()["access_token"],
            json={"credential_configuration_id": SD_JWT, "proofs": {"jwt": [proof]}},
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "invalid_proof"
        assert "not enrolled" in answer.json()["error_description"]
