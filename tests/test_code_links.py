"""Finding code, model and project links in abstracts and comments (domain/links.py)."""

from __future__ import annotations

import pytest

from paperboy.domain.links import best_code_link, code_links


@pytest.mark.parametrize(
    ("text", "link"),
    [
        # The sentence's full stop is not part of the link.
        ("Code is available at https://github.com/org/repo.", "https://github.com/org/repo"),
        ("Code: https://github.com/org/repo, and data.", "https://github.com/org/repo"),
        ("(see https://github.com/org/repo).", "https://github.com/org/repo"),
        ("Released on GitHub (https://github.com/org/repo)", "https://github.com/org/repo"),
        ("code at https://github.com/org/repo;", "https://github.com/org/repo"),
        ('"https://github.com/org/repo"', "https://github.com/org/repo"),
        # Brackets that belong to the link stay.
        ("see https://github.com/org/repo_(v2) now", "https://github.com/org/repo_(v2)"),
        # ".git" at the end of a clone URL, then a full stop.
        (
            "Code is available at https://github.com/CAS-CLab/DartQuant.git.",
            "https://github.com/CAS-CLab/DartQuant",
        ),
        # LaTeX: \url{...}, \href{...}{...}, escaped underscores and percent signs.
        (r"Our code: \url{https://github.com/org/my_repo}.", "https://github.com/org/my_repo"),
        (
            r"Code is available at \href{https://github.com/wdy/EgoMed-Agent}{our project page}.",
            "https://github.com/wdy/EgoMed-Agent",
        ),
        (r"at https://github.com/some\_org/deep\_net.", "https://github.com/some_org/deep_net"),
        (r"at https://github.com/org/a\%20b.", "https://github.com/org/a%20b"),
        (
            "We have released our code at {https://github.com/zwd/Beyond-Bias}.",
            "https://github.com/zwd/Beyond-Bias",
        ),
        # Bare links get https://.
        ("Code at github.com/org/repo.", "https://github.com/org/repo"),
        ("Code at www.github.com/org/repo.", "https://www.github.com/org/repo"),
        # Other code hosts.
        ("Code: https://gitlab.com/group/sub/project.", "https://gitlab.com/group/sub/project"),
        ("Code: https://codeberg.org/user/tool.", "https://codeberg.org/user/tool"),
        (
            "Anonymous code: https://anonymous.4open.science/r/abc-123/.",
            "https://anonymous.4open.science/r/abc-123/",
        ),
        # Hugging Face models, datasets and Spaces.
        ("Weights: https://huggingface.co/Kwaipilot/KAT-Dev.", "https://huggingface.co/Kwaipilot/KAT-Dev"),
        (
            "Data: https://huggingface.co/datasets/dynamoai/MedQA-USMLE ;",
            "https://huggingface.co/datasets/dynamoai/MedQA-USMLE",
        ),
        ("Try the demo at https://huggingface.co/spaces/org/demo!", "https://huggingface.co/spaces/org/demo"),
        ("Model: https://huggingface.co/models/bert-base.", "https://huggingface.co/models/bert-base"),
        # Project pages: github.io sites and labelled links.
        (
            "The project page is available at https://vipl-vsu.github.io/VisKnow.",
            "https://vipl-vsu.github.io/VisKnow",
        ),
        ("See zju3dv.github.io/gaussian for videos.", "https://zju3dv.github.io/gaussian"),
        ("Project page: https://research.example.org/magic/.", "https://research.example.org/magic/"),
        (
            "Code available at https://aispark.example.com/joe-hackathon/",
            "https://aispark.example.com/joe-hackathon/",
        ),
        ("Homepage: http://lab.example.edu/~someone/tool", "http://lab.example.edu/~someone/tool"),
        (r"Webpage: https://lab.example.edu/\~someone/tool.", "https://lab.example.edu/~someone/tool"),
    ],
)
def test_a_link_is_found_and_tidied(text: str, link: str) -> None:
    assert best_code_link(text) == link


def test_a_hard_wrap_ends_a_link_at_the_end_of_a_line() -> None:
    abstract = "The code is released at\nhttps://github.com/Howard/GUIDE-Eval. We show\nthat it works."
    assert best_code_link(abstract) == "https://github.com/Howard/GUIDE-Eval"
    abstract = "Supplementary code is at https://github.com/maorash/ATC, including\nthe dataset."
    assert best_code_link(abstract) == "https://github.com/maorash/ATC"
    abstract = "Our code is at https://github.com/org/repo\nand the data on request."
    assert best_code_link(abstract) == "https://github.com/org/repo"


def test_a_link_cut_by_a_hard_wrap_is_joined() -> None:
    assert best_code_link("Code: https://github.com/\nsome-org/tool. It is fast.") == (
        "https://github.com/some-org/tool"
    )
    assert best_code_link("Code: https://github.com/some-org/very-long-\nname. It is fast.") == (
        "https://github.com/some-org/very-long-name"
    )
    assert best_code_link("Code: https://huggingface.co/\n  datasets/org/set here.") == (
        "https://huggingface.co/datasets/org/set"
    )


def test_a_repository_is_preferred_to_a_model_and_a_model_to_a_project_page() -> None:
    abstract = (
        "Project page: https://team.github.io/thing. Weights at https://huggingface.co/team/thing-7b. "
        "Code at https://github.com/team/thing."
    )
    assert code_links(abstract) == [
        "https://github.com/team/thing",
        "https://huggingface.co/team/thing-7b",
        "https://team.github.io/thing",
    ]


def test_the_abstract_comes_before_the_comments_and_each_link_is_listed_once() -> None:
    links = code_links(
        "Code: https://github.com/a/one.", "Code: https://github.com/a/two and github.com/a/one"
    )
    assert links == ["https://github.com/a/one", "https://github.com/a/two"]
    assert best_code_link(None, "14 pages. Code: https://gitlab.com/x/y") == "https://gitlab.com/x/y"


@pytest.mark.parametrize(
    "text",
    [
        "We prove that P is not in the polynomial hierarchy.",
        "Published at https://doi.org/10.1063/5.0261124.",
        "Code: https://arxiv.org/abs/2401.01234.",
        "Video at https://youtu.be/abc123.",
        "See https://example.org/paper.pdf for the proofs.",  # not labelled as code or a project
        "See https://huggingface.co/papers/2501.01234.",  # Hugging Face's paper page, not a model
        "Mail first.last@github.com for access.",
        "https://github.com for everything",  # GitHub itself, no repository
        "github.io is a host",
        "Code: https://.",
    ],
)
def test_text_without_a_code_link_gives_none(text: str) -> None:
    assert best_code_link(text) is None


def test_a_link_longer_than_the_limit_is_left_out() -> None:
    assert best_code_link("Code: https://github.com/org/" + "a" * 3000) is None


def test_a_space_or_line_break_inside_a_link_is_mended() -> None:
    assert best_code_link("Code is available at https: //github.com/HongkLin/TIDE.") == (
        "https://github.com/HongkLin/TIDE"
    )
    assert best_code_link("Code at the link: https:\n//github.com/yunhak0/Spotscape.") == (
        "https://github.com/yunhak0/Spotscape"
    )
    assert best_code_link("Code is available at: https://github.com/ KenAdams/PersPose.") == (
        "https://github.com/KenAdams/PersPose"
    )
    # A whole link followed by a space is not glued to the next word.
    assert best_code_link("Code at https://github.com/org/repo/ and more") == "https://github.com/org/repo/"
