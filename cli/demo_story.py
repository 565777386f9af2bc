"""The story ``shikaku demo`` tells: a board, a nurse and a hospital, over real HTTP.

Three parties run on this machine (:mod:`cli.site`): the board's issuer service, the
hospital's verifier with its page, both under uvicorn on loopback ports, and the nurse's
wallet with her My Number Card (the in-process emulator). Every step below crosses HTTP as
it would between three organisations; the story only plays each party's part:

1. the board imports its sample 看護師 register (``POST /admin/register/import``) and makes an
   OpenID4VCI offer for 佐藤 花子 (``POST /admin/offers``), the transaction code going to her
   by another way (a letter);
2. the nurse's wallet redeems the offer: her card signs the board's enrolment challenge and
   the key proof (card mode, the PIN entered once), and the credential bound to the card is
   checked and kept in her encrypted wallet;
3. the hospital's clerk asks on the page for the ``employer`` profile (``POST /ask``); the
   wallet fetches the signed request, shows who asks and what would leave, and — the nurse
   consenting — presents, the KB-JWT signed on the card; the page shows 有効;
4. the board orders 業務停止 for three months (``POST /admin/lifecycle``): the next check shows
   業務停止中 with its dates and reason; the board lifts it, and the check after shows 有効;
5. a forged credential pasted into the page is 無効, and the presentation of step 3 sent again
   is refused.

:func:`run_demo` returns whether every step came out as it must; the folder keeps the
servers' files, the wallet and its passphrase, so ``shikaku serve --data-dir FOLDER`` and
``shikaku wallet … --wallet FOLDER/wallet.json`` pick up where the story stopped.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

import httpx
from rich.console import Console
from rich.panel import Panel

from cli.site import NURSE_SUBJECT, Site, prepare_site, serving_site
from holder.card import card_signer
from holder.flows.oid4vci import parse_offer, receive
from holder.flows.oid4vp import fetch_request, match, respond
from holder.store import StoredCredential, WalletStore
from holder.verifier_roots import VerifierRoots, load_roots
from issuer.settings import DEVELOPMENT_API_KEY
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.session import CardSession
from jpki_bridge.transport import InProcessTransport
from vc_core.errors import ShikakuError
from verifier.oid4vp.identity import DEVELOPMENT_CERTIFICATE

__all__ = ["run_demo"]

#: The emulated card's 利用者証明用 PIN (cli.site): the nurse types it; the story does here.
_AUTH_PIN: Final = "1234"
_JST: Final = timezone(timedelta(hours=9), "JST")
_SD_JWT: Final = "kangoshi_dc_sd_jwt"
_LEGAL_BASIS: Final = "保健師助産師看護師法第14条第1項"


@dataclass
class _Party:
    """What the story keeps between steps."""

    console: Console
    site: Site
    board: httpx.Client
    clerk: httpx.Client
    wallet_http: httpx.Client
    wallet: WalletStore
    sent: list[tuple[str, bytes, str]]

    def say(self, ja: str, en: str) -> None:
        self.console.print(f"  {ja}\n  [dim]{en}[/]")


def run_demo(folder: Path, *, console: Console | None = None) -> bool:
    """Tell the story with ``folder`` as the site (see the module); True when every step came
    out as it must."""
    console = console or Console(emoji=False, highlight=False)
    site = prepare_site(folder, issuer_port=0, verifier_port=0)
    console.print(
        Panel.fit(
            "shikaku demo — 看護師免許を、登録機関・看護師・病院のあいだで\n"
            "a 看護師 licence between the board, the nurse and the hospital, over HTTP",
            style="bold",
        )
    )
    started = time.monotonic()
    with serving_site(site), _clients(site) as (board, clerk, wallet_http):
        console.print(
            f"  登録機関 / board:     {site.issuer_url}\n"
            f"  病院 / hospital page: {site.verifier_url}/\n"
            f"  ファイル / files:     {site.folder}\n"
        )
        party = _Party(console, site, board, clerk, wallet_http, _wallet(site), [])
        party.wallet_http.event_hooks["request"].append(_recorder(party.sent))
        try:
            ok = _tell(party)
        except (ShikakuError, RuntimeError, httpx.HTTPError) as exc:
            code = getattr(exc, "code", type(exc).__name__)
            console.print(f"[bold red]  止まりました / stopped: {code}: {exc}[/]")
            ok = False
    console.print(f"\n  ({time.monotonic() - started:.1f} s)")
    _leave(console, site)
    return ok


def _tell(party: _Party) -> bool:
    console = party.console
    console.rule("1. 登録機関が名簿を取り込み、申出を作る / the board imports and offers")
    offer_uri, tx_code = _board_offers(party)

    console.rule("2. 看護師がカードで登録し、受け取る / the nurse enrols her card and receives")
    stored = _nurse_receives(party, offer_uri, tx_code)

    console.rule("3. 病院で確認する / the hospital checks")
    first = _check_at_hospital(party, stored)
    ok = first.headline == "有効"

    console.rule("4. 業務停止、その後の確認 / the board suspends; the next check")
    starts = datetime.now(_JST).date()
    ends = _months_later(starts, 3)
    _order(party, "suspend", starts=starts.isoformat(), ends=ends.isoformat(), code=1)
    _wait_out_status_cache(party)
    suspended = _check_at_hospital(party, stored)
    ok = ok and suspended.headline != "有効" and "業務停止中" in suspended.facts
    ok = ok and starts.strftime("%Y年%-m月%-d日") in suspended.facts

    party.say("登録機関が業務停止を解除します。", "The board lifts the suspension.")
    _order(party, "reinstate")
    _wait_out_status_cache(party)
    lifted = _check_at_hospital(party, stored)
    ok = ok and lifted.headline == "有効"

    console.rule("5. 偽造と再送 / a forgery and a replay")
    ok = _forgery_refused(party, stored) and ok
    ok = _replay_refused(party) and ok
    return ok


# -- the board ------------------------------------------------------------------------------------


def _board_offers(party: _Party) -> tuple[str, str]:
    register = files("issuer.registers").joinpath("kangoshi-sample.csv").read_bytes()
    answer = _json(
        party.board.post(
            "/admin/register/import",
            params={"profile": "kangoshi"},
            content=register,
            headers={"Content-Type": "text/csv"},
        )
    )
    counts = {name: answer.get(name) for name in ("read", "new", "unchanged", "rejected")}
    party.say(
        "看護師籍のサンプルを取り込みました: 読込 {read} 件、新規 {new} 件、"
        "変更なし {unchanged} 件、不備 {rejected} 件。".format(**counts),
        "Imported the sample 看護師 register: {read} rows read, {new} new, {unchanged} "
        "unchanged, {rejected} rejected.".format(**counts),
    )
    for rejected in answer.get("rejections", [])[:3]:
        reasons = "; ".join(f"{e['field']}: {e['code']}" for e in rejected["errors"])
        party.say(
            f"    {rejected['line']} 行目は取り込みません ({reasons})",
            f"    line {rejected['line']} is refused, with its reason per field (the sample "
            "keeps two faulty rows to show the report)",
        )
    offer = _json(
        party.board.post(
            "/admin/offers",
            json={"subject_id": NURSE_SUBJECT, "configuration_ids": [_SD_JWT]},
        )
    )
    party.say(
        f"佐藤 花子さん ({NURSE_SUBJECT}) への申出: {offer['offer_uri'][:72]}…",
        "An OpenID4VCI offer for her; its transaction code goes to her by letter: "
        f"{offer['tx_code']}",
    )
    return str(offer["offer_uri"]), str(offer["tx_code"])


def _order(party: _Party, kind: str, **fields: Any) -> None:
    order = {
        "kind": kind,
        "order_id": f"demo-{kind}-{os.urandom(4).hex()}",
        "legal_basis": _LEGAL_BASIS,
        "subject_id": NURSE_SUBJECT,
        **fields,
    }
    answer = _json(party.board.post("/admin/lifecycle", json=order))
    party.say(
        f"処分 {kind}: 状態は {answer['standing']}、公開リストを更新しました。",
        f"Order {kind} ({_LEGAL_BASIS}): standing {answer['standing']}; lists republished.",
    )


def _wait_out_status_cache(party: _Party) -> None:
    """The hospital may keep the board's lists for their max-age (cli.site: one second)."""
    time.sleep(party.site.board.status_list_ttl_seconds + 0.2)


# -- the nurse ------------------------------------------------------------------------------------


def _wallet(site: Site) -> WalletStore:
    """Her wallet in the folder, under a random passphrase kept beside it (mode 0600) so
    ``shikaku wallet --passphrase-file`` opens it afterwards."""
    path, secret = site.folder / "wallet.json", site.folder / "wallet-passphrase.txt"
    if not secret.is_file():
        descriptor = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(24) + "\n")
    passphrase = secret.read_text(encoding="utf-8").splitlines()[0]
    if path.is_file():
        return WalletStore.open(path, passphrase)
    return WalletStore.init(path, passphrase)


def _nurse_receives(party: _Party, offer_uri: str, tx_code: str) -> StoredCredential:
    offer = parse_offer(offer_uri, party.wallet_http)
    with CardSession(InProcessTransport.open(party.site.card)) as session:
        signer = card_signer(session, Pin(PinKind.AUTH, _AUTH_PIN))
        party.say(
            "カードの利用者証明用暗証番号を入力しました (4桁、エミュレータ)。",
            "She entered her card's authentication PIN once (emulated card).",
        )
        received = receive(offer, party.wallet_http, tx_code=tx_code, card=signer)
    stored = None
    for item in received:
        checked = item.received
        stored = party.wallet.add(
            checked.body,
            format=str(checked.format),
            qualification=checked.qualification,
            issuer=checked.issuer,
            holder_mode="card",
        )
        party.say(
            f"受け取りました: {checked.qualification}、発行者 {(checked.issuer or '?')[:40]}…、"
            f"署名 {checked.signature.outcome}、カードの鍵に結び付け済み。",
            f"Received a {checked.format} credential bound to her card's key; kept encrypted.",
        )
    if stored is None:
        raise RuntimeError("the board sent no credential")
    return stored


# -- the hospital ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    headline: str
    facts: str
    checks: str


def _check_at_hospital(party: _Party, stored: StoredCredential) -> _Result:
    asked = party.clerk.post(
        "/ask", data={"qualification": "kangoshi", "profile": "employer", "lang": "ja"}
    )
    page = _Page.of(asked.text)
    link = page.href.get("same-device")
    if asked.status_code != 200 or not link:
        raise RuntimeError(f"the page did not ask (HTTP {asked.status_code})")
    # The wallet trusts the hospital's development certificate because it was told to: it is
    # self-signed, so no web PKI root vouches for it.
    certificate = party.site.hospital.data_dir / "oid4vp" / DEVELOPMENT_CERTIFICATE
    request = fetch_request(link, party.wallet_http, roots=VerifierRoots(load_roots([certificate])))
    chosen = match(request, party.wallet.credentials())
    party.say(
        f"{request.verifier_name} が尋ねています。開示: "
        + ", ".join(p.lstrip("/") for p in chosen.disclose)
        + "。本人の同意: はい。",
        f"{request.verifier_name} asks; she agrees to show exactly these; signed on the card.",
    )
    with CardSession(InProcessTransport.open(party.site.card)) as session:
        signer = card_signer(session, Pin(PinKind.AUTH, _AUTH_PIN))
        answer = respond(request, chosen, signer, party.wallet_http, chain=signer.chain)
    party.say(
        f"病院の応答: HTTP {answer.status_code} {_problem_code(answer)}".rstrip(),
        "The hospital's answer to the wallet (the page shows the clerk the verdict).",
    )
    shown = _Page.of(party.clerk.get(str(asked.url)).text)
    result = _Result(
        shown.text.get("headline", ""), shown.text.get("facts", ""), shown.text.get("checks", "")
    )
    party.console.print(f"  [bold]病院のページ / the page: {result.headline}[/]")
    cells = [line.strip() for line in result.facts.splitlines() if line.strip()]
    for label, value in zip(cells[::2], cells[1::2], strict=False):
        party.console.print(f"    {label}: {value}")
    return result


def _forgery_refused(party: _Party, stored: StoredCredential) -> bool:
    issuer_jwt, _, rest = stored.body.partition("~")
    header, payload, signature = issuer_jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] = int((datetime.now(UTC) + timedelta(days=36500)).timestamp())
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}~{rest}"
    (party.site.folder / "forged.txt").write_text(forged, encoding="utf-8")
    shown = _Page.of(party.clerk.post("/check", data={"pasted": forged, "lang": "ja"}).text)
    headline = shown.text.get("headline", "")
    party.say(
        f"有効期限を書き換えた偽造をページに貼り付けると: {headline}",
        "A copy with its expiry rewritten, pasted into the page: refused.",
    )
    return headline == "無効"


def _replay_refused(party: _Party) -> bool:
    url, body, content_type = party.sent[-1]
    again = party.wallet_http.post(url, content=body, headers={"Content-Type": content_type})
    code = _problem_code(again)
    party.say(
        f"同じ提示をもう一度送ると: HTTP {again.status_code} {code}",
        "The same presentation sent again is refused: a request is answered once, and its "
        "nonce with it.",
    )
    return again.status_code >= 400


# -- plumbing -------------------------------------------------------------------------------------


@contextmanager
def _clients(site: Site) -> Iterator[tuple[httpx.Client, httpx.Client, httpx.Client]]:
    headers = {"Authorization": f"Bearer {DEVELOPMENT_API_KEY}"}
    with (
        httpx.Client(base_url=site.issuer_url, headers=headers, timeout=30) as board,
        httpx.Client(base_url=site.verifier_url, follow_redirects=True, timeout=30) as clerk,
        httpx.Client(timeout=30) as wallet,
    ):
        yield board, clerk, wallet


def _recorder(sent: list[tuple[str, bytes, str]]) -> Any:
    def record(request: httpx.Request) -> None:
        if request.method == "POST" and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            sent.append((str(request.url), request.read(), request.headers["content-type"]))

    return record


def _json(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        raise RuntimeError(f"HTTP {response.status_code}: {_problem_code(response)}")
    value = response.json()
    if not isinstance(value, dict):
        raise RuntimeError("an answer that is not a JSON object")
    return value


def _problem_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return str(body.get("code") or body.get("error") or body.get("title") or "")


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _leave(console: Console, site: Site) -> None:
    console.print(
        "\n  続きを試すには / to explore further:\n"
        f"    shikaku serve --data-dir {site.folder}\n"
        f"    shikaku wallet list --wallet {site.folder / 'wallet.json'} "
        f"--passphrase-file {site.folder / 'wallet-passphrase.txt'}"
    )


class _Page(HTMLParser):
    """The text and links of the page's elements that have an ``id``."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.href: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []

    @classmethod
    def of(cls, html: str) -> _Page:
        page = cls()
        page.feed(html)
        page.close()
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        ident = values.get("id")
        if ident and tag == "a" and values.get("href"):
            self.href[ident] = str(values["href"])
        if tag in {"br", "img", "input", "meta", "link"}:
            return
        for _, inside in self._open:  # A new element inside a read one: a word apart.
            if inside and self.text[inside] and not self.text[inside][-1].isspace():
                self.text[inside] += " "
        self._open.append((tag, ident))
        if ident:
            self.text.setdefault(ident, "")

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break
        if tag in {"tr", "th", "td", "li", "p"}:
            for _, ident in self._open:
                if ident:
                    self.text[ident] += "\n"

    def handle_data(self, data: str) -> None:
        for _, ident in self._open:
            if ident:
                self.text[ident] += data
