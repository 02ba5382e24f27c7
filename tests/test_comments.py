"""Comments: Markdown source stored as typed, replies one level deep, edited and deleted by their author."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from community_fixtures import NOW, list_papers, member

from paperboy.services.community.comments import (
    add_comment,
    comment_count,
    comments_for,
    delete_comment,
    edit_comment,
)
from paperboy.services.community.errors import CommunityError, NotAllowed, NotFound
from paperboy.services.community.moderation import ban_user, hide_comment
from paperboy.services.feed import feed_page
from paperboy.store import Database

PAPER = "2411.00001"
OTHER = "2411.00002"
IP = "198.51.100.7"


@pytest.fixture(autouse=True)
def papers(db: Database) -> None:
    list_papers(db, date(2026, 11, 20), [(PAPER, "A paper", 0), (OTHER, "Another paper", 0)])


def test_a_comment_keeps_its_markdown_and_shows_its_author(db: Database) -> None:
    ada = member(db, "ada@example.org", name="Ada")
    posted = add_comment(db, ada, PAPER, "  **Nice** result.\r\n\n- see `fig 2`  ", IP, now=NOW)
    assert posted.body == "**Nice** result.\n\n- see `fig 2`"
    assert (posted.author, posted.paper_key, posted.created_at, posted.edited_at) == ("Ada", PAPER, NOW, None)
    assert comments_for(db, PAPER) == [posted]


def test_comments_are_listed_oldest_first_with_replies(db: Database) -> None:
    ada, bob = member(db, "ada@example.org"), member(db, "bob@example.org")
    first = add_comment(db, ada, PAPER, "First", IP, now=NOW)
    reply = add_comment(db, bob, PAPER, "A reply", IP, parent_id=first.id, now=NOW + timedelta(minutes=1))
    later = add_comment(db, bob, PAPER, "Later", IP, now=NOW + timedelta(minutes=2))
    assert [c.id for c in comments_for(db, PAPER)] == [first.id, reply.id, later.id]
    assert reply.parent_id == first.id and reply.author == "bob"


def test_a_reply_must_answer_a_top_level_comment_on_the_same_paper(db: Database) -> None:
    ada = member(db, "ada@example.org")
    top = add_comment(db, ada, PAPER, "Top", IP, now=NOW)
    reply = add_comment(db, ada, PAPER, "Reply", IP, parent_id=top.id, now=NOW)
    with pytest.raises(CommunityError) as too_deep:
        add_comment(db, ada, PAPER, "Reply to a reply", IP, parent_id=reply.id, now=NOW)
    assert too_deep.value.field == "parent_id"
    with pytest.raises(NotFound):
        add_comment(db, ada, OTHER, "Elsewhere", IP, parent_id=top.id, now=NOW)


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("   \n\t ", "Write something"),
        ("x" * 10_001, "at most 10,000 characters; this one has 10,001"),
        ("bad\x00byte", "control character"),
        ("ring \x07 bell", "control character"),
    ],
)
def test_unusable_comment_text_is_refused_with_the_reason(db: Database, body: str, complaint: str) -> None:
    with pytest.raises(CommunityError, match=complaint) as caught:
        add_comment(db, member(db, "ada@example.org"), PAPER, body, IP, now=NOW)
    assert caught.value.field == "body"
    assert comments_for(db, PAPER) == []


def test_the_longest_allowed_comment_is_kept_whole(db: Database) -> None:
    posted = add_comment(db, member(db, "ada@example.org"), PAPER, "y" * 10_000, IP, now=NOW)
    assert len(posted.body) == 10_000


def test_an_author_edits_their_comment_and_the_edit_is_dated(db: Database) -> None:
    ada = member(db, "ada@example.org")
    posted = add_comment(db, ada, PAPER, "Typo", IP, now=NOW)
    edited = edit_comment(db, ada, posted.id, "Fixed", now=NOW + timedelta(minutes=5))
    assert (edited.body, edited.edited_at, edited.created_at) == ("Fixed", NOW + timedelta(minutes=5), NOW)


def test_nobody_edits_or_deletes_someone_else_s_comment(db: Database) -> None:
    ada, bob = member(db, "ada@example.org"), member(db, "bob@example.org")
    posted = add_comment(db, ada, PAPER, "Mine", IP, now=NOW)
    with pytest.raises(NotAllowed):
        edit_comment(db, bob, posted.id, "Hijacked", now=NOW)
    with pytest.raises(NotAllowed):
        delete_comment(db, bob, posted.id)
    assert [c.body for c in comments_for(db, PAPER)] == ["Mine"]


def test_an_author_or_an_admin_deletes_a_comment_with_its_replies(db: Database) -> None:
    ada, bob = member(db, "ada@example.org"), member(db, "bob@example.org")
    admin = member(db, "admin@example.org", admin=True)
    top = add_comment(db, ada, PAPER, "Top", IP, now=NOW)
    add_comment(db, bob, PAPER, "Reply", IP, parent_id=top.id, now=NOW)
    own = add_comment(db, bob, PAPER, "Own", IP, now=NOW)
    delete_comment(db, bob, own.id)
    delete_comment(db, admin, top.id)
    assert comments_for(db, PAPER) == []
    with pytest.raises(NotFound):
        delete_comment(db, ada, top.id)


def test_hidden_comments_are_shown_to_admins_only_and_not_counted(db: Database) -> None:
    ada = member(db, "ada@example.org")
    admin = member(db, "admin@example.org", admin=True)
    kept = add_comment(db, ada, PAPER, "Fine", IP, now=NOW)
    rude = add_comment(db, ada, PAPER, "Rude", IP, now=NOW)
    hide_comment(db, admin, rude.id, "rude")
    assert [c.id for c in comments_for(db, PAPER, ada)] == [kept.id]
    assert [(c.id, c.hidden) for c in comments_for(db, PAPER, admin)] == [(kept.id, False), (rude.id, True)]
    with pytest.raises(NotFound):
        edit_comment(db, ada, rude.id, "Sorry")


def test_comment_count_counts_visible_comments_per_paper(db: Database) -> None:
    ada = member(db, "ada@example.org")
    posted = [add_comment(db, ada, PAPER, f"Comment {n}", IP, now=NOW) for n in range(3)]
    hide_comment(db, member(db, "admin@example.org", admin=True), posted[0].id)
    items = {i.key: i for i in feed_page(db, date(2026, 11, 20), now=NOW).items}
    counts = comment_count(db, [items[PAPER].paper_id, items[OTHER].paper_id])
    assert counts == {items[PAPER].paper_id: 2, items[OTHER].paper_id: 0}
    assert items[PAPER].comments == 2


def test_a_banned_member_cannot_comment_edit_or_delete(db: Database) -> None:
    eve = member(db, "eve@example.org")
    posted = add_comment(db, eve, PAPER, "Before the ban", IP, now=NOW)
    ban_user(db, member(db, "admin@example.org", admin=True), eve.id, "spam")
    for attempt in (
        lambda: add_comment(db, eve, PAPER, "After", IP, now=NOW),
        lambda: edit_comment(db, eve, posted.id, "After", now=NOW),
        lambda: delete_comment(db, eve, posted.id),
    ):
        with pytest.raises(NotAllowed, match="suspended"):
            attempt()


def test_commenting_on_an_unknown_paper_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        add_comment(db, member(db, "ada@example.org"), "2411.99999", "Hello", IP, now=NOW)
