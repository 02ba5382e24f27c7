"""Community submissions: an arXiv id or link in any usual form puts the paper on today's list."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from api_responses import NEW_STYLE, OLD_STYLE, SAMBANOVA, feed
from community_fixtures import NOW, list_papers, member
from recorded_server import RecordedServer, Reply, Step

from paperboy.config import Settings
from paperboy.services.community.errors import CommunityError, NotAllowed
from paperboy.services.community.moderation import ban_user, hide_listing
from paperboy.services.community.submissions import Submission, submit_paper
from paperboy.services.feed import feed_page
from paperboy.services.rate_limits import RateLimited
from paperboy.store import Database

KNOWN = {e.arxiv_id: e for e in (NEW_STYLE, OLD_STYLE, SAMBANOVA)}
TODAY = NOW.date()
IP = "198.51.100.7"


def arxiv_like(path: str, query: dict[str, str]) -> Step:
    """Answer like the arXiv API: the known papers among id_list, unknown ones left out."""
    wanted = [i for i in query.get("id_list", "").split(",") if i]
    found = [KNOWN[i] for i in wanted if i in KNOWN]
    return Reply(feed(found, total=len(wanted)), content_type="application/atom+xml; charset=utf-8")


ArxivStub = tuple[RecordedServer, Settings]


@pytest.fixture
def arxiv(settings: Settings) -> Iterator[ArxivStub]:
    """A loopback arXiv API and settings pointing at it."""
    with RecordedServer(arxiv_like) as server:
        yield server, replace(settings, arxiv_api_url=server.url + "/api/query")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("arXiv:2402.01234v1", "2402.01234"),
        ("  https://arxiv.org/abs/2405.07518v2  ", "2405.07518"),
        ("https://arxiv.org/pdf/2405.07518.pdf", "2405.07518"),
        ("hep-th/9901001", "hep-th/9901001"),
    ],
)
def test_a_paper_submitted_in_any_usual_form_lands_on_today_s_list(
    db: Database, arxiv: ArxivStub, text: str, key: str
) -> None:
    server, settings = arxiv
    ada = member(db, "ada@example.org", name="Ada")
    submission = submit_paper(db, settings, ada, text, IP, NOW)
    assert (submission.key, submission.day, submission.first, submission.submitted_by) == (
        key, TODAY, True, "Ada",
    )  # fmt: skip
    assert server.requests[0].query["id_list"] == key
    [item] = feed_page(db, TODAY, now=NOW).items
    assert (item.key, item.submitted_by, item.origins) == (key, "Ada", ("user",))
    assert item.paper.title == submission.title


def test_a_second_submission_the_same_day_points_to_the_first(db: Database, arxiv: ArxivStub) -> None:
    server, settings = arxiv
    submit_paper(db, settings, member(db, "ada@example.org", name="Ada"), "2402.01234", IP, NOW)
    again = submit_paper(db, settings, member(db, "bob@example.org", name="Bob"), "2402.01234v2", IP, NOW)
    assert (again.first, again.submitted_by, again.key) == (False, "Ada", "2402.01234")
    assert len(server.requests) == 1  # the second came from the store
    [item] = feed_page(db, TODAY, now=NOW).items
    assert item.submitted_by == "Ada"
    bob = member(db, "bob@example.org")
    tomorrow = submit_paper(db, settings, bob, "2402.01234", IP, NOW + timedelta(days=1))
    assert (tomorrow.first, tomorrow.day) == (True, TODAY + timedelta(days=1))


def test_a_paper_already_in_the_store_is_not_fetched(db: Database, settings: Settings) -> None:
    list_papers(db, date(2026, 11, 2), [("2411.00042", "Already harvested", 3)], origin="arxiv")
    gone = replace(settings, arxiv_api_url="http://127.0.0.1:9/api/query")  # nothing listens there
    submission = submit_paper(db, gone, member(db, "ada@example.org"), "2411.00042", IP, NOW)
    assert (submission.title, submission.first) == ("Already harvested", True)


def test_an_id_unknown_to_arxiv_is_refused_by_name(db: Database, arxiv: ArxivStub) -> None:
    _, settings = arxiv
    with pytest.raises(CommunityError, match="arXiv has no paper 0000.00001") as caught:
        submit_paper(db, settings, member(db, "ada@example.org"), "0000.00001", IP, NOW)
    assert caught.value.field == "arxiv_id"
    assert feed_page(db, TODAY, now=NOW).total == 0


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "Enter an arXiv id"),
        ("not a paper", "is not an arXiv id"),
        ("2402.01234" + " " * 10 + "x" * 300, "at most 300 characters"),
    ],
)
def test_text_that_is_no_arxiv_id_is_refused_before_asking_arxiv(
    db: Database, arxiv: ArxivStub, text: str, complaint: str
) -> None:
    server, settings = arxiv
    with pytest.raises(CommunityError, match=complaint) as caught:
        submit_paper(db, settings, member(db, "ada@example.org"), text, IP, NOW)
    assert caught.value.field == "arxiv_id"
    assert server.requests == []


def test_an_unreachable_arxiv_asks_to_try_later(db: Database, settings: Settings) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    offline = replace(settings, arxiv_api_url=f"http://127.0.0.1:{port}/api/query", http_retries=1)
    with pytest.raises(CommunityError, match="could not be reached.*try again"):
        submit_paper(db, offline, member(db, "ada@example.org"), "2402.01234", IP, NOW)


def test_a_banned_member_cannot_submit(db: Database, arxiv: ArxivStub) -> None:
    server, settings = arxiv
    eve = member(db, "eve@example.org")
    ban_user(db, member(db, "admin@example.org", admin=True), eve.email)
    with pytest.raises(NotAllowed, match="suspended"):
        submit_paper(db, settings, eve, "2402.01234", IP, NOW)
    assert server.requests == []


def test_a_listing_hidden_by_a_moderator_cannot_be_submitted_again(db: Database, arxiv: ArxivStub) -> None:
    _, settings = arxiv
    ada = member(db, "ada@example.org")
    submit_paper(db, settings, ada, "2402.01234", IP, NOW)
    hide_listing(db, member(db, "admin@example.org", admin=True), "2402.01234", "off-topic")
    with pytest.raises(NotAllowed, match="taken off the lists"):
        submit_paper(db, settings, member(db, "bob@example.org"), "2402.01234", IP, NOW + timedelta(days=1))


def test_the_eleventh_submission_in_an_hour_is_rate_limited(db: Database, arxiv: ArxivStub) -> None:
    _, settings = arxiv
    ada = member(db, "ada@example.org")
    for minute in range(10):
        submit_paper(db, settings, ada, "2402.01234", IP, NOW + timedelta(minutes=minute))
    with pytest.raises(RateLimited, match="submitted papers 10 times in the last 1 hour") as caught:
        submit_paper(db, settings, ada, "2405.07518", IP, NOW + timedelta(minutes=10))
    assert caught.value.retry_after == 50 * 60


def test_members_submitting_one_paper_at_once_share_one_listing(db: Database, settings: Settings) -> None:
    list_papers(db, date(2026, 11, 2), [("2411.00042", "Already harvested", 0)], origin="arxiv")
    members = [member(db, f"m{n}@example.org", name=f"Member {n}") for n in range(12)]
    start = threading.Barrier(len(members))
    results: list[Submission] = []
    failures: list[BaseException] = []

    def submit(who: int) -> None:
        try:
            start.wait(timeout=30)
            results.append(submit_paper(db, settings, members[who], "2411.00042", f"198.51.100.{who}", NOW))
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            failures.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(len(members))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    firsts = [r for r in results if r.first]
    assert len(firsts) == 1 and len(results) == len(members)
    assert {r.submitted_by for r in results} == {firsts[0].submitted_by}
    [item] = feed_page(db, TODAY, now=NOW).items
    assert item.submitted_by == firsts[0].submitted_by
