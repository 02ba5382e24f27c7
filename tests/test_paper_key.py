"""One rule for the key a person's paper identifier names: pages, the API, votes, comments."""

from __future__ import annotations

from datetime import date

import pytest
from community_fixtures import list_papers, member

from paperboy.domain import paper_key
from paperboy.services.catalogue import find_paper
from paperboy.services.community.votes import vote_state
from paperboy.store import Database

FORMS = (
    "2411.00001",
    " 2411.00001 ",
    "2411.00001v3",
    "arXiv:2411.00001",
    "https://arxiv.org/abs/2411.00001v2",
    "arxiv.org/pdf/2411.00001.pdf",
)


@pytest.mark.parametrize("form", FORMS)
def test_every_arxiv_form_names_the_bare_id(form: str) -> None:
    assert paper_key(form) == "2411.00001"


def test_an_old_style_id_and_other_keys_are_kept_as_written() -> None:
    assert paper_key("hep-th/9901001v2") == "hep-th/9901001"
    assert paper_key("  graph-neural-networks-1a2b3c4d ") == "graph-neural-networks-1a2b3c4d"
    assert paper_key("openreview:abc123") == "openreview:abc123"


def test_the_paper_page_and_a_vote_find_the_same_paper_from_every_form(db: Database) -> None:
    list_papers(db, date(2026, 11, 20), [("2411.00001", "A paper", 0)])
    ada = member(db, "ada@example.org")
    for form in FORMS:
        stored = find_paper(db, form)
        assert stored is not None and stored.key == "2411.00001", form
        assert vote_state(db, form, ada).paper_key == "2411.00001", form
