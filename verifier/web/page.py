"""The page's routes: the start page, a file or pasted text checked, the printable record.

- ``GET /`` — what the clerk can do: check a file or text the holder gave (upload or paste).
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

import hashlib
import logging
import secrets
from datetime import timedelta, timezone
from importlib.resources import files
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from vc_core.errors import InputError, RequestError, ShikakuError
from vc_core.jsonio import DEFAULT_LIMITS, decode_utf8, loads
from vc_schemas.text import Text
from verifier.explain import Lang, date_text, explain
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
}
_MAX_UPLOAD: Final = DEFAULT_LIMITS.max_bytes
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


def _verifier(request: Request) -> Verifier:
    verifier: Verifier = request.app.state.verifier
    return verifier


VerifierDep = Annotated[Verifier, Depends(_verifier)]


def _lang(value: str | None) -> Lang:
    return "en" if value == "en" else "ja"


def _page(template: str, lang: Lang, status_code: int = 200, **values: Any) -> HTMLResponse:
    words = {key: text.get(lang) for key, text in WORDS.items()}
    other: Lang = "en" if lang == "ja" else "ja"
    html = _ENVIRONMENT.get_template(template).render(lang=lang, other=other, words=words, **values)
    return HTMLResponse(html, status_code=status_code, headers=_HEADERS)


@router.get("/", response_class=HTMLResponse)
async def start(lang: str | None = None) -> HTMLResponse:
    return _page("start.html", _lang(lang))


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
    moment = verifier.policy.clock().astimezone(_JST)
    record = {
        "checked_at": f"{date_text(moment.date(), chosen)} {moment:%H:%M:%S} JST",
        "checked_by": settings.audience,
        "reference": secrets.token_hex(6).upper(),
        "digest": hashlib.sha256(data).hexdigest(),
    }
    return _page("result.html", chosen, explained=explained, record=record)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in _STATIC:
        raise RequestError("request.not_found", "the page has no such file")
    body = files("verifier.web").joinpath("static", name).read_bytes()
    return Response(
        body, media_type=_STATIC[name], headers={"Cache-Control": "public, max-age=3600"}
    )


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
