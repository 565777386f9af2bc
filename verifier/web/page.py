"""The page's routes: the start page, a file or pasted text checked, the printable record.

- ``GET /`` — what the clerk can do: ask the holder's wallet for a qualification (OpenID4VP),
  or check a file or text the holder gave (upload or paste).
- ``POST /ask`` — starts an OpenID4VP transaction for the qualification and what to ask
  (:mod:`verifier.oid4vp`; ``employer``: name and licence number, or ``qualification-only``),
  keeps its read secret in a cookie only this browser sends back (HttpOnly, SameSite=Strict,
  for that transaction's path), and sends the browser to ``GET /ask/{id}``: a QR code for a
  phone's wallet and a link for a wallet on this device, re-checked every few seconds (no
  script needed) until the wallet answers; then the verdict, as for a file.
- ``POST /check`` — verifies what was given with the employer policy, exactly as
  ``POST /credentials/verify`` would (a presentation's nonce must be one this verifier issued;
  a bare credential has no holder proof, and the page says so: a file alone may be a copy),
  and shows the verdict: 有効 / 無効 / 確認できません, the holder's *disclosed* name and licence
  number, the issuing authority as the trust registry names it, the licence's status with its
  period and reason, and each check in plain words. Below it, a verification record for the
  HR file (when, by whom, a reference number and the SHA-256 of what was checked), laid out to
  print on one page.

Nothing the holder gave is stored or logged; the record's digest lets the HR file show later
which file was checked. Responses carry a strict Content-Security-Policy (no inline script),
``X-Frame-Options: DENY`` and ``Cache-Control: no-store`` (a result names a person).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from datetime import timedelta, timezone
from importlib.resources import files
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from vc_core.errors import InputError, RequestError, ShikakuError
from vc_core.jsonio import DEFAULT_LIMITS, decode_utf8, loads
from vc_schemas.catalogue import default_catalogue
from vc_schemas.text import Text
from verifier.explain import Lang, date_text, explain
from verifier.http.routes import VerifierDep
from verifier.oid4vp.service import Oid4vpService
from verifier.policy import VerifyOptions
from verifier.service import Verifier

__all__ = ["router"]

log = logging.getLogger("shikaku.verifier.web")
router = APIRouter(include_in_schema=False)

_JST: Final = timezone(timedelta(hours=9), "JST")
_T = Text
#: The page's own words (the verdict's come from verifier.explain).
WORDS: Final[dict[str, Text]] = {
    "title": _T("資格の確認", "Qualification check"),
    "lead": _T(
        "看護師・医師などの国家資格を、本人から受け取ったデータで確認します。",
        "Check a national qualification (nurse, doctor, …) from the data the holder gave you.",
    ),
    "check_heading": _T("受け取ったファイルを確認する", "Check a file you received"),
    "file_label": _T("ファイルを選ぶ", "Choose a file"),
    "paste_label": _T("または、内容を貼り付ける", "Or paste its contents"),
    "submit": _T("確認する", "Check"),
    "file_hint": _T(
        "本人から受け取った資格証明のファイル（.json・.jwt・.txt など）を選ぶか、"
        "その内容を貼り付けてください。",
        "Choose the credential file the holder gave you (.json, .jwt, .txt …), or paste it.",
    ),
    "again": _T("別の資格を確認する", "Check another"),
    "print": _T("記録を印刷する", "Print the record"),
    "record_heading": _T("確認の記録", "Verification record"),
    "checked_at": _T("確認日時", "Checked at"),
    "checked_by": _T("確認した者", "Checked by"),
    "reference": _T("参照番号", "Reference"),
    "digest": _T("確認したデータ（SHA-256）", "Data checked (SHA-256)"),
    "facts_heading": _T("記載内容", "What it says"),
    "nothing": _T(
        "ファイルを選ぶか、内容を貼り付けてください。",
        "Choose a file or paste its contents.",
    ),
    "unreadable": _T(
        "資格証明として読み取れませんでした。",
        "This could not be read as a credential.",
    ),
    "language": _T("English", "日本語"),
    "ask_heading": _T("スマートフォンのウォレットで提示してもらう", "Ask the holder's wallet"),
    "ask_hint": _T(
        "確認したい資格と、確認する内容を選んでください。表示される QR コードを本人のウォレットで"
        "読み取ってもらいます。",
        "Choose the qualification and what to check; the holder scans the QR code shown next "
        "with their wallet.",
    ),
    "qualification_label": _T("資格", "Qualification"),
    "profile_label": _T("確認する内容", "What to check"),
    "profile_employer": _T(
        "資格と氏名・登録番号（採用時の確認）", "The qualification, name and licence number"
    ),
    "profile_qualification_only": _T("資格があることだけ", "Only that the qualification is held"),
    "ask_submit": _T("提示を依頼する", "Ask for it"),
    "waiting_heading": _T("本人の提示を待っています", "Waiting for the holder"),
    "waiting_scan": _T(
        "本人のスマートフォンのウォレットで、この QR コードを読み取ってもらってください。",
        "Ask the holder to scan this QR code with the wallet on their phone.",
    ),
    "waiting_link": _T(
        "このパソコンのウォレットで開く（同じ端末で提示する場合）",
        "Open with a wallet on this computer (same device)",
    ),
    "waiting_refresh": _T(
        "このページは数秒ごとに自動で更新されます。", "This page checks again every few seconds."
    ),
    "verifying": _T("受け取りました。確認しています…", "Received; checking…"),
    "qr_alt": _T("ウォレットで読み取る QR コード", "QR code for the wallet"),
    "asked_for": _T("依頼した内容", "Asked for"),
    "ask_off": _T(
        "この確認サービスには、ウォレットへの依頼の設定（証明書）がありません。",
        "This verifier is not set up to ask wallets (it has no certificate).",
    ),
    "ask_refused": _T("依頼を作れませんでした。", "The request could not be made."),
    "ask_unknown": _T(
        "この確認依頼は見つからないか、このブラウザで作られたものではありません。",
        "This request is unknown, or was not made in this browser.",
    ),
    "ask_expired": _T(
        "確認依頼の期限が切れました。もう一度依頼してください。",
        "The request has expired; please ask again.",
    ),
}
_MAX_UPLOAD: Final = DEFAULT_LIMITS.max_bytes
_COOKIE: Final = "shikaku_request"
_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_STATIC: Final = {
    "page.css": "text/css; charset=utf-8",
    "page.js": "text/javascript; charset=utf-8",
}
_ENVIRONMENT: Final = Environment(
    loader=PackageLoader("verifier.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _lang(value: str | None) -> Lang:
    return "en" if value == "en" else "ja"


def _page(template: str, lang: Lang, status_code: int = 200, **values: Any) -> HTMLResponse:
    words = {key: text.get(lang) for key, text in WORDS.items()}
    other: Lang = "en" if lang == "ja" else "ja"
    qualifications = [(q.id, q.name.get(lang)) for q in default_catalogue()]
    html = _ENVIRONMENT.get_template(template).render(
        lang=lang, other=other, words=words, qualifications=qualifications, **values
    )
    return HTMLResponse(html, status_code=status_code, headers=_HEADERS)


@router.get("/", response_class=HTMLResponse)
async def start(request: Request, lang: str | None = None) -> HTMLResponse:
    return _page("start.html", _lang(lang), asking=_oid4vp(request) is not None)


@router.post("/check", response_class=HTMLResponse)
async def check(
    request: Request,
    verifier: VerifierDep,
    lang: Annotated[str | None, Form()] = None,
    pasted: Annotated[str | None, Form(max_length=_MAX_UPLOAD)] = None,
    file: UploadFile | None = None,
) -> HTMLResponse:
    chosen = _lang(lang)
    data = await _given(file, pasted)
    if data is None:
        return _page("start.html", chosen, 400, error=WORDS["nothing"].get(chosen))
    try:
        value = _value(data)
    except ShikakuError as exc:
        log.info("page: input refused: %s", exc.code)
        return _page(
            "start.html", chosen, 400, error=WORDS["unreadable"].get(chosen), code=exc.code
        )
    settings = request.app.state.settings
    options = VerifyOptions.of(audience=settings.audience)
    result = await run_in_threadpool(verifier.verify, value, options)
    report = result.to_json()
    explained = explain(report, lang=chosen)
    failed = sorted({c.code for c in result.verdict.checks if c.ok is False and c.code})
    log.info("page: %s %s: %s %s", result.format, result.outcome, explained.verdict, failed)
    record = _record(request, chosen, digest=hashlib.sha256(data).hexdigest())
    return _page("result.html", chosen, explained=explained, record=record)


@router.post("/ask")
async def ask(
    request: Request,
    lang: Annotated[str | None, Form()] = None,
    qualification: Annotated[str, Form(max_length=64)] = "kangoshi",
    profile: Annotated[str, Form(max_length=64)] = "employer",
) -> Response:
    chosen = _lang(lang)
    service = _oid4vp(request)
    if service is None:
        return _page("start.html", chosen, 503, error=WORDS["ask_off"].get(chosen))
    try:
        created = await run_in_threadpool(service.create, qualification, profile)
    except ShikakuError as exc:
        log.info("page: a request refused: %s", exc.code)
        return _page(
            "start.html", chosen, 400, error=WORDS["ask_refused"].get(chosen), code=exc.code
        )
    transaction = created.transaction.id
    response = RedirectResponse(f"/ask/{transaction}?lang={chosen}", status_code=303)
    response.set_cookie(
        _COOKIE,
        created.secret,
        path=f"/ask/{transaction}",
        max_age=int(
            (created.transaction.keep_until - created.transaction.created_at).total_seconds()
        ),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/ask/{transaction}", response_class=HTMLResponse)
async def asked(request: Request, transaction: str, lang: str | None = None) -> HTMLResponse:
    chosen = _lang(lang)
    service = _oid4vp(request)
    if service is None:
        return _page("start.html", chosen, 503, error=WORDS["ask_off"].get(chosen))
    secret = request.cookies.get(_COOKIE)
    try:
        state = await run_in_threadpool(service.read, transaction, secret)
    except ShikakuError as exc:
        log.info("page: a transaction could not be read: %s", exc.code)
        return _page("start.html", chosen, 404, error=WORDS["ask_unknown"].get(chosen))
    if state["status"] == "done":
        explained = explain(state["verdict"], lang=chosen)
        log.info("page: transaction answered: %s", explained.verdict)
        return _page("result.html", chosen, explained=explained, record=_record(request, chosen))
    if state["status"] == "expired":
        return _page("start.html", chosen, 410, error=WORDS["ask_expired"].get(chosen))
    uri, svg = await run_in_threadpool(service.invitation, transaction, secret)
    qr = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    name = next(
        (q.name.get(chosen) for q in default_catalogue() if q.id == state["qualification"]),
        state["qualification"],
    )
    return _page(
        "ask.html",
        chosen,
        qr=qr,
        link=uri,
        qualification=name,
        profile=WORDS[f"profile_{state['profile'].replace('-', '_')}"].get(chosen),
        waiting=state["status"],
    )


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in _STATIC:
        raise RequestError("request.not_found", "the page has no such file")
    body = files("verifier.web").joinpath("static", name).read_bytes()
    return Response(
        body, media_type=_STATIC[name], headers={"Cache-Control": "public, max-age=3600"}
    )


def _record(request: Request, lang: Lang, *, digest: str | None = None) -> dict[str, Any]:
    """The verification record for the HR file: when, by whom, a reference, what was checked."""
    verifier: Verifier = request.app.state.verifier
    moment = verifier.policy.clock().astimezone(_JST)
    return {
        "checked_at": f"{date_text(moment.date(), lang)} {moment:%H:%M:%S} JST",
        "checked_by": request.app.state.settings.audience,
        "reference": secrets.token_hex(6).upper(),
        "digest": digest,
    }


def _oid4vp(request: Request) -> Oid4vpService | None:
    """The app's OpenID4VP service, or None where it is not configured (no certificate)."""
    service = getattr(request.app.state, "oid4vp", None)
    return service if isinstance(service, Oid4vpService) else None


async def _given(file: UploadFile | None, pasted: str | None) -> bytes | None:
    """The bytes the clerk gave: the file if one was chosen, else the pasted text."""
    if file is not None and file.filename:
        data = await file.read(_MAX_UPLOAD + 1)
        if len(data) > _MAX_UPLOAD:
            raise InputError("input.too_large", f"the file is larger than {_MAX_UPLOAD} bytes")
        if data.strip():
            return data
    if pasted is not None and pasted.strip():
        return pasted.strip().encode()
    return None


def _value(data: bytes) -> Any:
    """A JSON document (Data Integrity forms) or the compact text of a JOSE / SD-JWT form."""
    text = decode_utf8(data, where="the file").strip()
    if text.startswith(("{", "[")):
        return loads(text, where="the file")
    return text
