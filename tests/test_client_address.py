"""Which address a request comes from, behind a reverse proxy or not: what per-IP limits count."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient
from web_server import running_server

from paperboy.config import ConfigError, Settings, load_settings
from paperboy.store import Database
from paperboy.web import create_app
from paperboy.web.client_address import resolve_client, trusted_networks

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


def test_a_forged_x_forwarded_for_does_not_buy_a_new_allowance(
    database_url: str, tmp_path: Path, model_dir: Path
) -> None:
    # paperboy serve with no trusted_proxies: the socket peer is the client, whatever it claims.
    with running_server(database_url, tmp_path / "data", model_dir) as base:
        with httpx.Client(base_url=base) as browser:
            statuses = ask_for_links(browser, [f"203.0.113.{n}" for n in range(SIGN_INS_PER_IP + 1)])
    assert statuses == [200] * SIGN_INS_PER_IP + [429]


def test_behind_a_trusted_proxy_each_reader_has_their_own_allowance(db: Database, settings: Settings) -> None:
    config = with_trusted_proxies(settings, "10.0.0.0/8")
    with TestClient(create_app(config, db), client=("10.0.0.5", 50000)) as proxy:
        spent = ask_for_links(proxy, ["203.0.113.7"] * (SIGN_INS_PER_IP + 1))
        other_reader = ask_for_links(proxy, ["198.51.100.20"])
    assert spent == [200] * SIGN_INS_PER_IP + [429]
    assert other_reader == [200]


def test_the_addresses_of_one_ipv6_64_share_one_allowance(db: Database, settings: Settings) -> None:
    """A home line or a server gets a whole /64: a new address per request buys nothing; a
    reader in the neighbouring /64 has their own allowance."""
    config = with_trusted_proxies(settings, "10.0.0.0/8")
    one_site = [f"2001:db8:1:2:{n:x}::{n + 1:x}" for n in range(SIGN_INS_PER_IP + 1)]
    with TestClient(create_app(config, db), client=("10.0.0.5", 50000)) as proxy:
        spent = ask_for_links(proxy, one_site)
        neighbour = ask_for_links(proxy, ["2001:db8:1:3::1"])
    assert spent == [200] * SIGN_INS_PER_IP + [429]
    assert neighbour == [200]


def test_behind_a_trusted_proxy_paperboy_serve_counts_each_reader(
    database_url: str, tmp_path: Path, model_dir: Path
) -> None:
    trusted = {"PAPERBOY_TRUSTED_PROXIES": "127.0.0.1"}
    with running_server(database_url, tmp_path / "data", model_dir, settings=trusted) as base:
        with httpx.Client(base_url=base) as proxy:
            readers = ask_for_links(proxy, [f"203.0.113.{n}" for n in range(SIGN_INS_PER_IP + 1)])
            spent = ask_for_links(proxy, ["198.51.100.7"] * (SIGN_INS_PER_IP + 1))
    assert readers == [200] * (SIGN_INS_PER_IP + 1)
    assert spent == [200] * SIGN_INS_PER_IP + [429]


def test_the_access_log_names_the_reader_behind_a_trusted_proxy(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    config = with_trusted_proxies(settings, "10.0.0.0/8")
    with TestClient(create_app(config, db), client=("10.0.0.5", 50000)) as proxy:
        with caplog.at_level("INFO", logger="paperboy.web.access"):
            proxy.get("/healthz", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})
    [line] = [r.getMessage() for r in caplog.records if r.name == "paperboy.web.access"]
    assert line.startswith("203.0.113.7 GET /healthz 200 ")


def test_x_forwarded_proto_is_believed_only_from_a_trusted_proxy(db: Database, settings: Settings) -> None:
    def scheme_seen(request: Request) -> dict[str, str]:
        return {"scheme": request.url.scheme, "client": request.client.host if request.client else ""}

    router = APIRouter()
    router.add_api_route("/api/test-scheme", scheme_seen)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    trusted_app = create_app(with_trusted_proxies(settings, "10.0.0.5"), db)
    trusted_app.include_router(router)
    with TestClient(trusted_app, client=("10.0.0.5", 50000)) as proxy:
        assert proxy.get("/api/test-scheme", headers=headers).json() == {
            "scheme": "https",
            "client": "203.0.113.7",
        }
    with TestClient(trusted_app, client=("10.0.0.6", 50000)) as stranger:
        assert stranger.get("/api/test-scheme", headers=headers).json() == {
            "scheme": "http",
            "client": "10.0.0.6",
        }


TRUSTED = trusted_networks(Settings(trusted_proxies=("10.0.0.0/8", "2001:db8::/32", "127.0.0.1")))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # Not from a trusted proxy: whatever the request claims, the peer is the client.
        ("198.51.100.9", ["203.0.113.7"], "198.51.100.9"),
        ("198.51.100.9", [], "198.51.100.9"),
        # From nginx: the address it appended; what the client wrote left of it is not believed.
        ("10.0.0.5", ["203.0.113.7"], "203.0.113.7"),
        ("10.0.0.5", ["1.1.1.1, 203.0.113.7"], "203.0.113.7"),
        ("10.0.0.5", ["1.1.1.1", "203.0.113.7"], "203.0.113.7"),  # two headers read as one list
        # Two trusted proxies in a row are skipped, right to left.
        ("10.0.0.5", ["1.1.1.1, 203.0.113.7, 10.9.9.9"], "203.0.113.7"),
        ("127.0.0.1", ["203.0.113.7, 10.9.9.9"], "203.0.113.7"),
        # Only proxies: the farthest one is the client.
        ("10.0.0.5", ["10.1.1.1, 10.2.2.2"], "10.1.1.1"),
        # No header, or one that is not an address: the proxy itself.
        ("10.0.0.5", [], "10.0.0.5"),
        ("10.0.0.5", ["unknown"], "10.0.0.5"),
        ("10.0.0.5", ["203.0.113.7, garbage"], "10.0.0.5"),
        # Ports, IPv6 and IPv4-mapped IPv6 spellings.
        ("10.0.0.5", ["203.0.113.7:4711"], "203.0.113.7"),
        ("10.0.0.5", ["[2001:db9::1]:4711"], "2001:db9::1"),
        ("2001:db8::2", ["2001:DB9:0::1"], "2001:db9::1"),
        ("::ffff:10.0.0.5", ["::ffff:203.0.113.7"], "203.0.113.7"),
        ("testclient", ["203.0.113.7"], "testclient"),
    ],
)
def test_the_client_is_the_rightmost_address_no_trusted_proxy_wrote(
    peer: str, forwarded_for: list[str], client: str
) -> None:
    assert resolve_client(peer, forwarded_for, TRUSTED) == client


def test_a_bad_trusted_proxies_entry_is_refused_by_name(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="trusted_proxies: 'nginx' is not an IP address or network"):
        trusted_networks(Settings(trusted_proxies=("10.0.0.1", "nginx")))
    assert with_trusted_proxies(settings, " 10.0.0.1 , 192.168.0.0/16").trusted_proxies == (
        "10.0.0.1",
        "192.168.0.0/16",
    )
