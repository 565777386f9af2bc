"""The employer's page, in-process: what a clerk sees for a valid, a suspended and a forged
licence, for a file that is not a credential, in Japanese and in English.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from tests.verifier.http.conftest import challenge
from tests.verifier.oid4vp.conftest import Asked, jwt_parts, present, respond
from tests.verifier.world import T0, WHY, World


def _text(html: str) -> str:
    """The page's visible text, tags dropped and whitespace folded (enough for assertions)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _check(client: TestClient, pasted: str, lang: str = "ja") -> tuple[int, str]:
    answer = client.post("/check", data={"pasted": pasted, "lang": lang})
    return answer.status_code, _text(answer.text)


def test_the_start_page_is_japanese_first_with_an_english_toggle(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="ja">' in page.text
    assert "資格の確認" in page.text and 'href="/?lang=en"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.text and "Qualification check" in english.text


def test_a_presented_licence_is_valid_with_only_what_was_disclosed(
    client: TestClient, world: World
) -> None:
    sd_jwt, _ = world.sd_jwt()
    status, text = _check(client, world.present(sd_jwt, nonce=challenge(client)))
    assert status == 200
    assert "有効" in text and "確認できました" in text
    assert "厚生労働大臣" in text and "看護師" in text
    assert "取消・業務停止" in text and "登録年月日 2015年4月23日" in text
    # Disclosed: name and licence number; never the date of birth, sex or 本籍.
    assert "生年月日" not in text and "本籍" not in text and "性別" not in text
    assert re.search(r"確認の記録.*参照番号 [0-9A-F]{12}", text)


def test_a_suspended_licence_shows_its_dates_and_reason(client: TestClient, world: World) -> None:
    sd_jwt, credential_id = world.sd_jwt()
    world.registry.suspend(
        credential_id=credential_id,
        starts_at=T0 - timedelta(days=1),
        ends_at=T0 + timedelta(days=90),
        **WHY,
    )
    status, text = _check(client, world.present(sd_jwt, nonce=challenge(client)))
    assert status == 200
    assert "無効" in text and "業務停止中" in text
    assert "停止期間 2026年5月31日〜2026年8月30日" in text
    assert "理由 suspended: 業務停止" in text


def test_a_forged_licence_is_not_valid_and_says_why(client: TestClient, world: World) -> None:
    sd_jwt, _ = world.sd_jwt()
    header, payload, signature = sd_jwt.split("~", 1)[0].split(".")
    forged = ".".join((header, payload, signature[:-4] + "AAAA")) + "~" + sd_jwt.split("~", 1)[1]
    status, text = _check(client, world.present(forged, nonce=challenge(client)))
    assert status == 200
    assert "無効" in text and "不合格" in text


def test_a_file_alone_is_not_proof_of_the_holder(client: TestClient, world: World) -> None:
    sd_jwt, _ = world.sd_jwt()
    status, text = _check(client, sd_jwt, lang="en")
    assert status == 200
    assert "Not valid" in text
    assert "The holder did not sign the presentation: it may be a copy." in text


def test_what_is_not_a_credential_is_told_plainly_never_a_500(client: TestClient) -> None:
    for given in ("hello", '{"a": ', "\x00\x01", "{" * 200):
        status, text = _check(client, given)
        assert status in (200, 400), given
        assert "確認" in text
    status, text = _check(client, "   ")
    assert status == 400 and "ファイルを選ぶか" in text
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/page.css").status_code == 200


# -- Asking the holder's wallet (OpenID4VP) ------------------------------------------------------


def _wallet_side(client: TestClient, link: str, transaction: str) -> Asked:
    """What the holder's wallet does with the page's link: fetch the signed request."""
    query = parse_qs(urlsplit(link).query)
    fetched = client.get(urlsplit(query["request_uri"][0]).path)
    assert fetched.status_code == 200
    header, request = jwt_parts(fetched.text)
    return Asked({"id": transaction}, header, request, fetched.text)


def _ask(client: TestClient, **form: str) -> tuple[str, str]:
    started = client.post("/ask", data={"lang": "ja", **form}, follow_redirects=False)
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    cookie = started.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    transaction = location.split("?")[0].rsplit("/", 1)[1]
    waiting = client.get(location)
    assert waiting.status_code == 200 and 'http-equiv="refresh"' in waiting.text
    assert 'src="data:image/svg+xml;base64,' in waiting.text
    link = re.search(r'href="(openid4vp://[^"]+)"', waiting.text)
    assert link is not None
    return transaction, html.unescape(link.group(1))


def test_the_clerk_asks_the_wallet_and_reads_the_answer(client: TestClient, world: World) -> None:
    transaction, link = _ask(client)
    asked = _wallet_side(client, link, transaction)
    sd_jwt, _ = world.sd_jwt()
    assert respond(client, asked, present(world, asked, sd_jwt)).status_code == 200
    text = _text(client.get(f"/ask/{transaction}?lang=ja").text)
    assert "有効" in text and "確認できました" in text
    assert "山田 花子" in text and "1234567" in text and "厚生労働大臣" in text
    assert "生年月日" not in text  # not asked for, so not shown


def test_only_the_browser_that_asked_reads_the_answer(client: TestClient, world: World) -> None:
    transaction, _ = _ask(client)
    client.cookies.clear()
    answer = client.get(f"/ask/{transaction}")
    assert answer.status_code == 404
    assert "このブラウザで作られたものではありません" in answer.text


def test_a_request_for_an_unknown_qualification_is_refused_plainly(client: TestClient) -> None:
    answer = client.post("/ask", data={"qualification": "wizard"}, follow_redirects=False)
    assert answer.status_code == 400 and "依頼を作れませんでした" in answer.text
