"""Counting mail per inbox: which spellings of an address reach the same one."""

from __future__ import annotations

import pytest

from paperboy.domain.mailbox import mailbox


@pytest.mark.parametrize(
    "spelling",
    ["victim@example.org", "Victim@Example.ORG", " victim+1@example.org", "VICTIM+news+more@example.org"],
)
def test_case_and_plus_tags_reach_one_inbox(spelling: str) -> None:
    assert mailbox(spelling) == "victim@example.org"


@pytest.mark.parametrize(
    "spelling", ["first.last@gmail.com", "firstlast@gmail.com", "F.i.r.s.t.Last+x@googlemail.com"]
)
def test_gmail_ignores_dots_and_googlemail_is_gmail(spelling: str) -> None:
    assert mailbox(spelling) == "firstlast@gmail.com"


def test_dots_matter_at_other_providers() -> None:
    assert mailbox("first.last@example.org") != mailbox("firstlast@example.org")


def test_an_address_that_is_only_a_tag_is_kept_whole() -> None:
    assert mailbox("+tag@example.org") == "+tag@example.org"
    assert mailbox("...@gmail.com") == "...@gmail.com"
