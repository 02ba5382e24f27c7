"""Which address a request comes from, behind a reverse proxy or not: what per-IP limits count."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from web_server import running_server

from paperboy.config import Settings, load_settings
from paperboy.store import Database
from paperboy.web import create_app

SIGN_INS_PER_IP = 10  # docs/accounts.md: 10 sign-in mails per client IP an hour


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def ask_for_links(browser: httpx.Client | TestClient, forwarded_for: list[str]) -> list[int]:
    """One sign-in request per X-Forwarded-For value, each for a new address; their statuses."""
    token = csrf_of(browser.get("/sign-in").text)
    return [
        browser.post(
            "/sign-in",
            data={"email": f"reader{n}@example.org", "csrf_token": token},
            headers={"X-Forwarded-For": value},
        ).status_code
        for n, value in enumerate(forwarded_for)
    ]


def with_trusted_proxies(settings: Settings, value: str) -> Settings:
    """The test settings with PAPERBOY_TRUSTED_PROXIES set as an operator would set it."""
    environ = {
        "PAPERBOY_DATA_DIR": str(settings.data_dir),
        "PAPERBOY_DATABASE_URL": settings.database_url,
        "PAPERBOY_MODEL_DIR": str(settings.model_dir),
        "PAPERBOY_TRUSTED_PROXIES": value,
    }
    return load_settings(environ=environ, toml_path=Path("/nonexistent.toml"))


@pytest.mark.xfail(strict=True, reason="hole 6: uvicorn believes X-Forwarded-For from any loopback peer")
def test_a_forged_x_forwarded_for_does_not_buy_a_new_allowance(
    database_url: str, tmp_path: Path, model_dir: Path
) -> None:
    # paperboy serve with no trusted_proxies: the socket peer is the client, whatever it claims.
    with running_server(database_url, tmp_path / "data", model_dir) as base:
        with httpx.Client(base_url=base) as browser:
            statuses = ask_for_links(browser, [f"203.0.113.{n}" for n in range(SIGN_INS_PER_IP + 1)])
    assert statuses == [200] * SIGN_INS_PER_IP + [429]


@pytest.mark.xfail(strict=True, reason="hole 6: behind a proxy every reader shares the proxy's allowance")
def test_behind_a_trusted_proxy_each_reader_has_their_own_allowance(db: Database, settings: Settings) -> None:
    config = with_trusted_proxies(settings, "10.0.0.0/8")
    with TestClient(create_app(config, db), client=("10.0.0.5", 50000)) as proxy:
        spent = ask_for_links(proxy, ["203.0.113.7"] * (SIGN_INS_PER_IP + 1))
        other_reader = ask_for_links(proxy, ["198.51.100.20"])
    assert spent == [200] * SIGN_INS_PER_IP + [429]
    assert other_reader == [200]
