"""Reading BibTeX, RIS and CSL-JSON library files, hostile ones included: every bad entry
gets a clear error with its location, the rest are read, and nothing raises a traceback."""

from __future__ import annotations

import orjson
import pytest

from paperboy.sources.bibtex import parse_bibtex
from paperboy.sources.csl_json import parse_csl_json
from paperboy.sources.library_files import MAX_FILE_BYTES, LibraryFileError
from paperboy.sources.ris import parse_ris

GOOD_BIB = rb"""
@article{lovelace2026,
  title = {Attention Is All You Need Again},
  author = {Lovelace, Ada and Turing, Alan},
  eprint = {2611.00001v2}, archivePrefix = {arXiv},
  keywords = {transformers, reading group}
}
@misc{bridge, title = "Schr{\"o}dinger Bridges for {D}iffusion", doi = {https://doi.org/10.1234/BRIDGES.2026}}
@misc{byurl, title = {Something}, url = {https://arxiv.org/abs/2611.00003}}
@misc{bydoi, title = {Else}, doi = {10.48550/arXiv.2611.00004}}
@misc{bynote, title = {Third}, note = {arXiv:2611.00005 [cs.LG]}}
"""


def test_bibtex_reads_arxiv_ids_from_eprint_url_doi_and_note() -> None:
    parsed = parse_bibtex(GOOD_BIB, "mine.bib")
    assert not parsed.rejections
    ids = [e.arxiv_id for e in parsed.entries]
    assert ids == ["2611.00001", None, "2611.00003", "2611.00004", "2611.00005"]
    first, second = parsed.entries[0], parsed.entries[1]
    assert first.authors == ("Lovelace, Ada", "Turing, Alan")
    assert first.tags == ("transformers", "reading group")
    assert first.location == "mine.bib:2"
    assert second.title == "Schrödinger Bridges for Diffusion"
    assert second.doi == "10.1234/BRIDGES.2026"


def test_broken_bibtex_entry_is_refused_with_its_line_and_the_rest_is_read() -> None:
    data = (
        b"@article{a, title={Good one}, eprint={2611.00001}}\n"
        b"@article{b, title={Broken,\n@misc{c, title={Fine}}\n"
    )
    parsed = parse_bibtex(data, "broken.bib")
    assert [e.title for e in parsed.entries] == ["Good one", "Fine"]
    assert len(parsed.rejections) == 1
    assert parsed.rejections[0].location == "broken.bib:2"
    assert "broken BibTeX" in parsed.rejections[0].reason


def test_a_10_mb_field_refuses_only_its_entry() -> None:
    data = b"@misc{big, title={" + b"x" * (10 * 1024 * 1024) + b"}}\n@misc{ok, title={Small}}\n"
    parsed = parse_bibtex(data, "big.bib")
    assert [e.title for e in parsed.entries] == ["Small"]
    (rejection,) = parsed.rejections
    assert rejection.location == "big.bib:1" and "'title'" in rejection.reason and "limit" in rejection.reason


def test_latin1_bytes_are_read_with_a_warning() -> None:
    data = "@misc{a, title={Caf\xe9 Theory}, author={Jos\xe9 P\xe9rez}}\n".encode("latin-1")
    parsed = parse_bibtex(data, "old.bib")
    assert parsed.entries[0].title == "Café Theory"
    assert parsed.entries[0].authors == ("José Pérez",)
    assert parsed.warnings and "not UTF-8" in parsed.warnings[0] and "line 1" in parsed.warnings[0]


def test_utf16_and_oversized_files_are_refused_whole() -> None:
    with pytest.raises(LibraryFileError, match="not a text file"):
        parse_bibtex("@misc{a, title={x}}".encode("utf-16"), "u16.bib")
    with pytest.raises(LibraryFileError, match="limit is 20 MB"):
        parse_bibtex(b" " * (MAX_FILE_BYTES + 1), "huge.bib")


def test_an_entry_with_nothing_to_match_by_is_refused() -> None:
    parsed = parse_bibtex(b"@misc{empty, year={2020}}\n", "e.bib")
    assert not parsed.entries
    assert "no title, arXiv id or DOI" in parsed.rejections[0].reason


def test_ris_entries_keep_their_lines_and_a_missing_er_refuses_only_that_entry() -> None:
    data = (
        b"TY  - JOUR\nTI  - A title\nAU  - Doe, J.\nDO  - 10.1/x\nER  - \n"
        b"TY  - JOUR\nTI  - broken no end\n"
        b"TY  - BOOK\nTI  - Another\nUR  - https://arxiv.org/abs/2611.00002v1\nKW  - books\nER  - \n"
    )
    parsed = parse_ris(data, "x.ris")
    assert [(e.title, e.location) for e in parsed.entries] == [("A title", "x.ris:1"), ("Another", "x.ris:8")]
    assert parsed.entries[1].arxiv_id == "2611.00002" and parsed.entries[1].tags == ("books",)
    assert [r.location for r in parsed.rejections] == ["x.ris:6"]
    assert "ER" in parsed.rejections[0].reason


def test_ris_file_ending_inside_an_entry_refuses_it() -> None:
    parsed = parse_ris(b"TY  - JOUR\nTI  - cut off\n", "cut.ris")
    assert not parsed.entries and "ends inside" in parsed.rejections[0].reason


def test_csl_json_items_are_read_and_bad_items_refused_by_number() -> None:
    items = [
        {"type": "article", "title": "Zotero item", "author": [{"family": "Hopper", "given": "Grace"}],
         "number": "arXiv:2611.00003", "issued": {"date-parts": [[2026, 9]]}},
        "not an object",
        {"type": "article", "title": "t" * 200_000},
        {"type": "article", "DOI": "10.1234/bridges.2026"},
    ]  # fmt: skip
    parsed = parse_csl_json(orjson.dumps(items), "zotero.json")
    assert [e.arxiv_id for e in parsed.entries] == ["2611.00003", None]
    assert parsed.entries[0].authors == ("Grace Hopper",) and parsed.entries[0].year == 2026
    assert parsed.entries[1].doi == "10.1234/bridges.2026"
    assert [r.location for r in parsed.rejections] == ["zotero.json:item 2", "zotero.json:item 3"]


def test_csl_json_that_is_not_json_is_a_clear_error() -> None:
    with pytest.raises(LibraryFileError, match="not valid JSON"):
        parse_csl_json(b"[{", "bad.json")
    with pytest.raises(LibraryFileError, match="JSON array"):
        parse_csl_json(b'"just a string"', "bad.json")
