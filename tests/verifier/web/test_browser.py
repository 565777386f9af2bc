"""The employer's page in a real browser: Debian's chromium, driven by chromedriver (selenium).

The verifier runs under uvicorn on a loopback port over the world of ``tests/verifier/world``
(a real board, trust registry and status lists; only the network is replaced). A clerk opens
the page, chooses the file the holder sent, presses 確認する, and reads the verdict: 有効 for a
valid licence, 業務停止中 with its period and reason for a suspended one, 無効 with the reason
for a forged one. Screenshots of each state are saved under ``build/screenshots/`` (or
``$SHIKAKU_SCREENSHOTS``); the README shows one of them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.serving import serving
from tests.verifier.oid4vp.conftest import Asked, jwt_parts, present, respond
from tests.verifier.world import T0, WHY, World, handler
from verifier.http import VerifierSettings, create_app

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SHOTS = Path(
    os.environ.get("SHIKAKU_SCREENSHOTS") or Path(__file__).parents[3] / "build" / "screenshots"
)

pytest.importorskip("selenium", reason="selenium is not installed (make test installs it)")
if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
    pytest.skip(
        "Debian's chromium and chromium-driver are not installed (make test installs them)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def served(world: World, settings: VerifierSettings, free_tcp_port: int) -> Iterator[str]:
    """The verifier app under uvicorn on a loopback port, stopped after the test."""
    app = create_app(
        settings, transport=handler(world.publisher, world.registry), clock=world.clock
    )
    with serving(app, free_tcp_port) as url:
        yield url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1000,1400",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(DRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def _challenge(base: str) -> str:
    answer = httpx.post(base + "/challenges")
    assert answer.status_code == 201
    value: str = answer.json()["challenge"]
    return value


def _check_file(browser: webdriver.Chrome, base: str, content: str, tmp_path: Path) -> str:
    """What the clerk does: open the page, choose the file, press 確認する; the verdict."""
    sent = tmp_path / "from-the-holder.txt"
    sent.write_text(content)
    browser.get(base + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    browser.find_element(By.ID, "file").send_keys(str(sent))
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "verdict"))
    )
    return browser.find_element(By.ID, "headline").text


def _shot(browser: webdriver.Chrome, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / name))


def test_a_clerk_sees_a_valid_licence(
    browser: webdriver.Chrome, served: str, world: World, tmp_path: Path
) -> None:
    sd_jwt, _ = world.sd_jwt()
    headline = _check_file(
        browser, served, world.present(sd_jwt, nonce=_challenge(served)), tmp_path
    )
    assert headline == "有効"
    facts = browser.find_element(By.ID, "facts").text
    assert "厚生労働大臣" in facts and "1234567" in facts and "有効" in facts
    assert "生年月日" not in facts  # not disclosed, so not shown
    assert browser.find_element(By.ID, "print").is_displayed()  # the script ran (CSP allows it)
    _shot(browser, "page-valid.png")


def test_a_clerk_sees_a_suspension_with_its_dates_and_reason(
    browser: webdriver.Chrome, served: str, world: World, tmp_path: Path
) -> None:
    sd_jwt, credential_id = world.sd_jwt()
    world.registry.suspend(
        credential_id=credential_id,
        starts_at=T0 - timedelta(days=1),
        ends_at=T0 + timedelta(days=90),
        **WHY,
    )
    headline = _check_file(
        browser, served, world.present(sd_jwt, nonce=_challenge(served)), tmp_path
    )
    assert headline == "無効"
    facts = browser.find_element(By.ID, "facts").text
    assert "業務停止中" in facts and "2026年8月30日" in facts and "理由" in facts
    _shot(browser, "page-suspended.png")


def test_a_clerk_sees_a_forgery_refused_with_the_reason(
    browser: webdriver.Chrome, served: str, world: World, tmp_path: Path
) -> None:
    sd_jwt, _ = world.sd_jwt()
    forged = _forge(sd_jwt)
    headline = _check_file(
        browser, served, world.present(forged, nonce=_challenge(served)), tmp_path
    )
    assert headline == "無効"
    checks = browser.find_element(By.ID, "checks").text
    assert "発行者の署名" in checks and "不合格" in checks
    _shot(browser, "page-forged.png")


def test_the_page_switches_to_english(browser: webdriver.Chrome, served: str) -> None:
    browser.get(served + "/")
    browser.find_element(By.LINK_TEXT, "English").click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Qualification check"


def _forge(sd_jwt: str) -> str:
    jwt, rest = sd_jwt.split("~", 1)
    header, payload, signature = jwt.split(".")
    return f"{header}.{payload}.{signature[:-4]}AAAA~{rest}"


@pytest.mark.parametrize("case", ["valid", "suspended", "forged"])
def test_a_clerk_asks_a_wallet_and_the_page_shows_the_answer(
    browser: webdriver.Chrome, served: str, world: World, case: str
) -> None:
    """Issue 12, Done 3: the clerk starts a request, a wallet answers, and the page shows 有効;
    for a suspended licence 無効 with 業務停止中, its dates and reason; for a forged one 無効
    with the reason."""
    browser.get(served + "/")
    browser.find_element(By.ID, "ask").click()
    WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "qr")))
    if case == "valid":
        _shot(browser, "page-waiting.png")
    link = browser.find_element(By.ID, "same-device").get_attribute("href")
    assert link is not None and link.startswith("openid4vp://")
    # The holder's wallet (here, the test) fetches the signed request and answers it.
    request_uri = parse_qs(urlsplit(link).query)["request_uri"][0]
    token = httpx.get(served + urlsplit(request_uri).path).text
    header, request = jwt_parts(token)
    asked = Asked({"id": ""}, header, request, token)
    sd_jwt, credential_id = world.sd_jwt()
    if case == "suspended":
        world.registry.suspend(
            credential_id=credential_id,
            starts_at=T0 - timedelta(days=1),
            ends_at=T0 + timedelta(days=90),
            **WHY,
        )
    presented = present(world, asked, _forge(sd_jwt) if case == "forged" else sd_jwt)
    with httpx.Client(base_url=served) as wallet:
        respond(wallet, asked, presented)  # type: ignore[arg-type]
    WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "verdict"))
    )
    headline = browser.find_element(By.ID, "headline").text
    checks = browser.find_element(By.ID, "checks").text
    if case == "valid":
        assert headline == "有効"
        facts = browser.find_element(By.ID, "facts").text
        assert "山田 花子" in facts and "1234567" in facts
    elif case == "suspended":
        facts = browser.find_element(By.ID, "facts").text
        assert headline == "無効" and "業務停止中" in facts and "2026年8月30日" in facts
        assert "理由" in facts
    else:
        assert headline == "無効" and "発行者の署名" in checks and "不合格" in checks
    _shot(browser, f"page-wallet-{case}.png")
