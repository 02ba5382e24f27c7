"""The day's list as a researcher scans it, in process: layouts, sort and chips, Trending's
fallback, formulas, code links, BibTeX for papers without an arXiv id, and a fixed number
of queries however long the day."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from community_fixtures import member
from fastapi.testclient import TestClient
from feed_fixtures import DAY, fill_realistic_day
from sqlalchemy import event

from paperboy.config import Settings
from paperboy.services.community.votes import toggle_vote
from paperboy.store import Database
from paperboy.web import create_app
from paperboy.web.pages import DAY_PART

DAY_PATH = f"/papers/{DAY.isoformat()}"


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    fill_realistic_day(db)
    with TestClient(create_app(settings, db), follow_redirects=False) as test_client:
        yield test_client


def cards(html: str) -> list[str]:
    return re.findall(r'<article class="card[^"]*">.*?</article>', html, re.S)


def titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="card-title"><a href="/papers/([^"]+)"', html)


def test_the_layout_link_remembers_compact_and_goes_back(client: TestClient) -> None:
    answer = client.get(f"/layout?set=compact&next={DAY_PATH}%3Fsort%3Dnewest")
    assert answer.status_code == 303 and answer.headers["location"] == f"{DAY_PATH}?sort=newest"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("paperboy_layout=compact;") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get(DAY_PATH)
    assert '<ol class="papers layout-compact"' in page.text and "compact-card" in page.text
    assert client.get("/trending").text.count("compact-card") > 0
    client.get("/layout?set=comfortable&next=/")
    assert "compact-card" not in client.get(DAY_PATH).text


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""]
)
def test_the_layout_link_never_sends_a_reader_off_the_site(client: TestClient, next_url: str) -> None:
    answer = client.get("/layout", params={"set": "compact", "next": next_url})
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_an_unknown_layout_is_refused_and_a_forged_cookie_is_ignored(client: TestClient) -> None:
    assert client.get("/layout?set=tiny&next=/").status_code == 400
    client.cookies.set("paperboy_layout", '"><script>alert(1)</script>')
    page = client.get(DAY_PATH)
    assert page.status_code == 200 and "compact-card" not in page.text and "<script>alert" not in page.text


def test_the_whole_day_is_one_page_with_chips_and_sorts(client: TestClient) -> None:
    page = client.get(DAY_PATH).text
    assert len(cards(page)) == 41 and 'class="pagination"' not in page
    assert '<a href="/papers/2026-03-10?cat=cs.LG">cs.LG <span class="n">20</span></a>' in page
    assert 'aria-current="true">All <span class="n">41</span>' in page
    assert '<a href="/papers/2026-03-10?sort=discussed" >' not in page  # links are well formed
    assert 'href="/papers/2026-03-10?sort=discussed"' in page
    vision = client.get(f"{DAY_PATH}?cat=cs.CV&sort=newest").text
    assert len(cards(vision)) == 15 and "15 papers in cs.CV · newest first" in vision
    assert all("cs.CV" in card for card in cards(vision))
    # The period switch and the chips keep the other choice.
    assert 'href="/papers/2026-03-10?period=week&amp;sort=newest&amp;cat=cs.CV"' in vision
    assert 'href="/papers/2026-03-10?sort=newest&amp;cat=cs.LG"' in vision
    discussed = client.get(f"{DAY_PATH}?sort=discussed").text
    assert titles(discussed)[:2] == ["2603.10002", "2603.10005"]
    assert client.get(f"{DAY_PATH}?sort=random").status_code == 400
    assert client.get(f"{DAY_PATH}?cat=%25").status_code == 400
    empty = client.get(f"{DAY_PATH}?cat=hep-th").text
    assert "No papers in hep-th on this day" in empty


def test_a_card_links_authors_categories_code_and_the_discussion(client: TestClient) -> None:
    page = client.get(DAY_PATH).text
    card = next(c for c in cards(page) if "Panoramic Video" in c)
    assert '<a href="/authors/Jonas%20Berg">Jonas Berg</a>' in card
    assert 'class="primary" title="Primary category">cs.CV</a>' in card and ">cs.GR</a>" in card
    code = '<a class="code-link" href="https://github.com/example/pano-dit" rel="noopener nofollow">Code</a>'
    assert code in card
    assert 'href="https://arxiv.org/abs/2603.10001"' in card
    assert 'href="https://arxiv.org/pdf/2603.10001"' in card
    assert '<span class="count">3</span>' in card and "0 comments" in card
    many = next(c for c in cards(page) if "2603.10007" in c)  # 10 authors: five named
    assert many.count('href="/authors/') == 5 and "and 5 more" in many
    saved = next(c for c in cards(page) if "Hybrid Memory Systems" in c)
    assert "submitted by <strong>reading-group</strong>" in saved


def test_formulas_render_as_mathml_on_cards_and_paper_pages(client: TestClient) -> None:
    page = client.get(DAY_PATH).text
    card = cards(page)[0]
    assert '<math display="inline">' in card
    assert '<annotation encoding="application/x-tex">\\mathcal{O}(n \\log n)</annotation>' in card
    paper = client.get("/papers/2603.10000").text
    heading = re.search(r'<h1 id="paper-title">(.*?)</h1>', paper, re.S)
    assert heading and "<math" in heading.group(1)
    assert "<title>Sub-quadratic Attention in $\\mathcal{O}(n \\log n)$ Time" in paper  # plain in the tab
    assert paper.count("<math") == 6  # one in the title, five in the abstract


def test_trending_without_votes_says_so_and_shows_the_newest_day(client: TestClient) -> None:
    page = client.get("/trending").text
    assert "nothing is trending yet" in page and "Tuesday, 10 March 2026" in page
    assert "the most discussed first, then those someone submitted, then the newest" in page
    assert titles(page)[:2] == ["2603.10002", "2603.10005"]  # two comments, then one


def test_trending_with_a_recent_vote_ranks_by_votes(db: Database, client: TestClient) -> None:
    from feed_fixtures import realistic_papers

    from paperboy.domain.clock import utcnow
    from paperboy.services.gathering.ingest import ingest_items

    today = utcnow().date()
    ingest_items(db, realistic_papers(today, 3), kind="test")
    toggle_vote(db, member(db, "fan@example.org"), f"{today:%y%m}.10001", "198.51.100.3")
    page = client.get("/trending").text
    assert "nothing is trending yet" not in page
    assert titles(page)[0] == f"{today:%y%m}.10001"


def test_a_paper_without_an_arxiv_id_gets_a_bibtex_entry_with_its_authors(client: TestClient) -> None:
    day = client.get(DAY_PATH).text
    link = next(t for t in titles(day) if not re.match(r"\d", t))
    page = client.get(f"/papers/{link}").text
    assert "@misc{delgadohybridmemory," in page
    assert "author = {Delgado, Rosa and Ito, Ken}" in page
    assert "@misc{hybrid," not in page and "eprint" not in page


def test_a_day_page_costs_the_same_queries_whatever_its_length(db: Database, settings: Settings) -> None:
    from feed_fixtures import realistic_papers

    from paperboy.services.gathering.ingest import ingest_items

    queries = {}
    with TestClient(create_app(settings, db)) as test_client:
        # A day in one part (5 papers, or all but filling it), then in several parts (the
        # store counts the day and its categories then, as the page cannot hold them).
        for papers in (5, DAY_PART - 1, DAY_PART + 1, 3 * DAY_PART):
            ingest_items(db, realistic_papers(DAY, papers), kind="test")
            queries[papers] = _queries(db, test_client, DAY_PATH)
        assert test_client.get(DAY_PATH).text.count("<article") == DAY_PART
    assert queries[5] == queries[DAY_PART - 1], queries
    assert queries[DAY_PART + 1] == queries[3 * DAY_PART] == queries[5] + 2, queries


def test_a_long_day_arrives_in_parts_that_together_hold_every_paper(db: Database, settings: Settings) -> None:
    from feed_fixtures import realistic_papers

    from paperboy.services.gathering.ingest import ingest_items

    count = 2 * DAY_PART + 30
    ingest_items(db, realistic_papers(DAY, count), kind="test")
    with TestClient(create_app(settings, db)) as test_client:
        first = test_client.get(DAY_PATH).text
        assert f"{count:,} papers · most upvoted first" in first
        assert f'data-total="{count}"' in first and f'data-next="{DAY_PATH}?page=2"' in first
        assert f'<a rel="next" href="{DAY_PATH}?page=2">' in first  # the same part, without script
        second = test_client.get(f"{DAY_PATH}?page=2").text
        last = test_client.get(f"{DAY_PATH}?page=3").text
        assert f'data-next="{DAY_PATH}?page=3"' in second and "more-papers" not in last
        assert f'<ol class="papers" start="{DAY_PART + 1}">' in second
        shown = titles(first) + titles(second) + titles(last)
        assert [len(titles(part)) for part in (first, second, last)] == [DAY_PART, DAY_PART, 30]
        assert len(set(shown)) == count
        # A category's parts carry it on.
        learning = test_client.get(f"{DAY_PATH}?cat=cs.LG&sort=newest").text
        assert f'data-next="{DAY_PATH}?sort=newest&amp;cat=cs.LG&amp;page=2"' in learning


def _queries(db: Database, client: TestClient, path: str) -> int:
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count


def test_a_changed_paper_shows_its_new_text_at_once(db: Database, client: TestClient) -> None:
    from dataclasses import replace

    from feed_fixtures import realistic_papers

    from paperboy.services.gathering.ingest import ingest_items

    assert "Diffusion Transformers for Panoramic Video Generation" in client.get(DAY_PATH).text
    record = realistic_papers()[1]
    newer = replace(
        record.paper, title="Panoramic Diffusion, Revised", version=2, updated=record.paper.published
    )
    ingest_items(db, [replace(record, paper=newer)], kind="test")
    page = client.get(DAY_PATH).text
    assert "Panoramic Diffusion, Revised" in page
    assert "Diffusion Transformers for Panoramic Video Generation</a>" not in page  # "(Part 2)" etc. remain


def test_the_card_cache_keeps_only_the_most_recent_cards() -> None:
    from markupsafe import Markup

    from paperboy.domain import Paper
    from paperboy.web.cards import CardCache

    rendered: list[str] = []

    def render(view, compact):  # type: ignore[no-untyped-def]
        rendered.append(view.path)
        return Markup(view.title_html), Markup("")

    cache = CardCache(render, size=2)
    papers = [Paper(title=f"Paper {n}", abstract="A.", source="test") for n in range(3)]
    for n, paper in enumerate(papers):
        cache(f"k{n}", paper, False)
    cache("k2", papers[2], False)  # remembered
    cache("k0", papers[0], False)  # evicted, rendered again
    assert rendered == ["/papers/k0", "/papers/k1", "/papers/k2", "/papers/k0"]
