"""paperboy digest preview / send and paperboy worker, as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from digest_fixtures import add_subscribers, fill_feed
from smtp_sink import SmtpSink, smtp_certificate, smtp_sink  # noqa: F401  (fixtures)

from paperboy.cli.main import main
from paperboy.store import open_database


@pytest.fixture
def filled(cli_env: Path, database_url: str) -> list[str]:
    db = open_database(database_url)
    fill_feed(db)
    readers = add_subscribers(db, 3)
    db.close()
    return readers


def test_preview_prints_the_digest_and_sends_nothing(
    filled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "preview", "--kind", "daily", "--date", "2026-11-20"]) == 0
    printed = capsys.readouterr()
    out = printed.out
    assert out.startswith("Subject: Paperboy: Trending papers of 20 November 2026")
    assert "Unsubscribe in one click:" in out
    assert "PAPERBOY_BASE_URL is not set" in printed.err and "placeholder" in printed.err
    assert main(["digest", "preview", "--kind", "daily", "--date", "2026-11-20", "--format", "html"]) == 0
    assert "<!DOCTYPE html>" in capsys.readouterr().out
    assert main(["digest", "preview", "--kind", "daily", "--date", "2019-01-01"]) == 0
    assert "no mail would be sent" in capsys.readouterr().out
    assert not Path("data/outbox").exists()


def test_bad_input_gets_a_message_not_a_traceback(
    filled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as bad_date:
        main(["digest", "preview", "--date", "20/11/2026"])
    assert bad_date.value.code == 2 and "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["digest", "preview", "--kind", "search", "--date", "2026-11-20"]) == 1
    assert "needs --query" in capsys.readouterr().err
    assert main(["digest", "preview", "--kind", "search", "--query", "x" * 600]) == 1
    assert "at most 500" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["worker", "--now", "tomorrow"])
    assert "2026-11-20T07:00" in capsys.readouterr().err
    # Days that would overflow once a day or a week is added to them.
    with pytest.raises(SystemExit):
        main(["digest", "send", "--date", "9999-12-31"])
    assert "out of range" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["worker", "--now", "9999-12-31T07:00"])
    assert "out of range" in capsys.readouterr().err


def test_send_mails_the_edition_and_prints_a_summary(
    filled: list[str],
    smtp_sink: SmtpSink,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PAPERBOY_SMTP_URL", smtp_sink.url)
    monkeypatch.setenv("PAPERBOY_BASE_URL", "https://papers.example.org")
    assert main(["digest", "send", "--kind", "trending", "--frequency", "daily", "--date", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert "trending-daily:2026-11-20" in out and "sent 3, empty 0, failed 0" in out
    assert set(smtp_sink.count_by_recipient()) == set(filled)
    assert main(["digest", "send", "--kind", "trending", "--frequency", "daily", "--date", "2026-11-20"]) == 0
    assert "sent 0" in capsys.readouterr().out and len(smtp_sink.raw) == 3


def test_send_without_a_usable_mail_server_says_so(
    filled: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAPERBOY_SMTP_URL", "smtp://127.0.0.1:1")
    monkeypatch.setenv("PAPERBOY_BASE_URL", "https://papers.example.org")
    assert main(["digest", "send", "--date", "2026-11-20", "--frequency", "daily"]) == 1
    out = capsys.readouterr().out
    assert "error:" in out and "cannot send mail through smtp://127.0.0.1:1" in out


def test_two_worker_processes_started_together_send_each_mail_once(
    cli_env: Path,
    database_url: str,
    smtp_sink: SmtpSink,  # noqa: F811
    smtp_certificate: tuple[Path, Path],  # noqa: F811
) -> None:
    db = open_database(database_url)
    fill_feed(db)
    readers = add_subscribers(db, 200)
    db.close()
    env = {**os.environ, "PAPERBOY_SMTP_URL": smtp_sink.url, "SSL_CERT_FILE": str(smtp_certificate[0]),
           "PAPERBOY_BASE_URL": "https://papers.example.org"}  # fmt: skip
    command = [sys.executable, "-m", "paperboy", "worker", "--now", "2026-11-20T07:00", "--no-harvest"]
    workers = [
        subprocess.Popen([*command, "--id", f"w{n}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for n in range(2)
    ]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    counts = smtp_sink.count_by_recipient()
    assert set(counts) == set(readers) and set(counts.values()) == {1}


def test_a_poisoned_saved_search_does_not_stop_digest_send(
    filled: list[str], database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Written straight into the store (the edge refuses it now): the send reports it and goes on."""
    db = open_database(database_url)
    add_subscribers(db, 2, kind="search", query="sparse attention", start=10)
    add_subscribers(db, 1, kind="search", query="sparse attention before:9999-12-31", start=20)
    db.close()
    assert main(["digest", "send", "--kind", "search", "--frequency", "daily"]) == 0
    out = capsys.readouterr().out
    assert "permanent 1" in out and "still to send 0" in out


def test_send_over_smtp_without_a_base_url_is_refused_and_sends_nothing(
    filled: list[str],
    smtp_sink: SmtpSink,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Links would point at http://127.0.0.1:8000 whatever port or host the site is on.
    monkeypatch.setenv("PAPERBOY_SMTP_URL", smtp_sink.url)
    assert main(["digest", "send", "--kind", "trending", "--frequency", "daily", "--date", "2026-11-20"]) == 1
    err = capsys.readouterr().err
    assert "PAPERBOY_BASE_URL" in err and "https://papers.example.org" in err
    assert smtp_sink.raw == []
    assert main(["worker", "--now", "2026-11-20T07:00", "--no-harvest"]) == 1
    assert "PAPERBOY_BASE_URL" in capsys.readouterr().err and smtp_sink.raw == []


def test_send_to_the_outbox_without_a_base_url_says_the_links_are_placeholders(
    filled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "send", "--kind", "trending", "--frequency", "daily", "--date", "2026-11-20"]) == 0
    printed = capsys.readouterr()
    assert "sent 3" in printed.out
    assert "PAPERBOY_BASE_URL is not set" in printed.err and "http://127.0.0.1:8000" in printed.err
    assert len(list(Path("data/outbox").glob("*.eml"))) == 3
