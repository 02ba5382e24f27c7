"""Parsing OAI-PMH ListRecords pages in the arXiv and arXivRaw formats."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from oai_responses import (
    SAMPLE_ARXIV,
    SAMPLE_ARXIV_RAW,
    RawRecord,
    arxiv_record,
    deleted_record,
    header,
    list_records,
    oai_error,
    raw_record,
)

from paperboy.domain import Author, Deletion, FeedEntry, Paper, Rejection, SourceRecord
from paperboy.sources.oai_pmh import (
    MalformedResponseError,
    OaiProtocolError,
    announcement_entry,
    parse_list_records,
    split_author_string,
)

URL = "http://127.0.0.1:9/oai?verb=ListRecords&metadataPrefix=arXivRaw"


def parse(xml: str, prefix: str = "arXivRaw"):  # type: ignore[no-untyped-def]
    return parse_list_records(xml.encode(), URL, prefix)


def only_paper(xml: str, prefix: str = "arXivRaw") -> SourceRecord:
    (item,) = parse(xml, prefix).items
    assert isinstance(item, SourceRecord), item
    return item


def test_arxiv_raw_record_reads_versions_dates_and_authors_in_order() -> None:
    record = only_paper(list_records([SAMPLE_ARXIV_RAW]))
    paper = record.paper
    assert paper.arxiv_id == "0704.0001"
    assert paper.title.startswith("Calculation of prompt diphoton production")
    assert [a.name for a in paper.authors] == ["C. Bal\\'azs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert paper.versions == (
        (1, datetime(2007, 4, 2, 19, 18, 42)),
        (2, datetime(2007, 7, 24, 20, 10, 27)),
    )
    assert paper.version == 2
    assert paper.published == datetime(2007, 4, 2, 19, 18, 42)
    assert paper.updated == datetime(2007, 7, 24, 20, 10, 27)
    assert paper.metadata_updated == date(2008, 11, 13)
    assert paper.categories == ("hep-ph",)
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.report_no == "ANL-HEP-PR-07-12"
    assert paper.comments == "37 pages, 15 figures; published version"
    assert paper.submitter == "Pavel Nadolsky"
    assert paper.abstract.startswith("A fully differential calculation")
    assert record.location == f"{URL} record 1 (oai:arXiv.org:0704.0001)"
    # A second version is a replacement, not a new paper of the day.
    assert record.entry is None


def test_arxiv_record_reads_parsed_authors_and_created_updated_without_version() -> None:
    record = only_paper(list_records([SAMPLE_ARXIV]), "arXiv")
    paper = record.paper
    assert paper.arxiv_id == "0704.0002"
    assert paper.authors == (
        Author("Ileana Streinu", keyname="Streinu", forenames="Ileana"),
        Author("Louis Theran", keyname="Theran", forenames="Louis"),
        Author("John Doe Jr", keyname="Doe", forenames="John", suffix="Jr"),
    )
    assert paper.version is None and paper.versions == ()
    assert paper.published == datetime(2007, 3, 30)
    assert paper.updated == datetime(2008, 12, 13)
    assert paper.categories == ("math.CO", "cs.CG")
    assert paper.primary_category == "math.CO"
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert record.entry is None


def test_arxiv_record_without_updated_is_updated_on_its_created_day() -> None:
    xml = list_records([arxiv_record("2401.00001", "A new result", "2024-01-01", None, "2024-01-02")])
    record = only_paper(xml, "arXiv")
    assert record.paper.updated == record.paper.published == datetime(2024, 1, 1)
    assert record.entry == FeedEntry(day=date(2024, 1, 2), origin="arxiv")


def test_new_first_version_gets_a_feed_entry_on_its_datestamp() -> None:
    xml = list_records([raw_record(RawRecord("2401.00001", "A new result", datestamp="2024-01-02"))])
    assert only_paper(xml).entry == FeedEntry(day=date(2024, 1, 2), origin="arxiv")


def test_old_first_version_touched_by_a_metadata_fix_gets_no_feed_entry() -> None:
    old = RawRecord("2401.00001", "An old result", datestamp="2024-09-30")
    assert only_paper(list_records([raw_record(old)])).entry is None


def test_announcement_entry_rules() -> None:
    v1 = Paper("T", "A", "arxiv-oai", arxiv_id="2401.00001", version=1,
               published=datetime(2024, 1, 5, 18), updated=datetime(2024, 1, 5, 18))  # fmt: skip
    assert announcement_entry(v1, date(2024, 1, 8)) == FeedEntry(date(2024, 1, 8), "arxiv")
    assert announcement_entry(v1, date(2024, 1, 4)) is None  # before it was submitted
    assert announcement_entry(v1, date(2024, 3, 1)) is None
    assert announcement_entry(v1, None) is None


def test_resumption_token_and_its_attributes_are_read() -> None:
    page = parse(list_records([], "5001|1001", cursor=1000, complete_size=4321))
    assert page.resumption_token == "5001|1001"
    assert page.cursor == 1000 and page.complete_list_size == 4321
    assert page.response_date == datetime(2024, 1, 3, 12, 0)


def test_empty_or_missing_resumption_token_means_the_list_is_complete() -> None:
    assert parse(list_records([])).resumption_token is None
    no_token = list_records([]).replace('<resumptionToken cursor="0"/>', "")
    assert parse(no_token).resumption_token is None


def test_deleted_header_becomes_a_deletion() -> None:
    old_style = f"<record>{header('hep-th/9901001', '2024-01-02', deleted=True)}</record>"
    items = parse(list_records([deleted_record("0704.0001"), old_style])).items
    assert items == [
        Deletion("0704.0001", f"{URL} record 1 (oai:arXiv.org:0704.0001)"),
        Deletion("hep-th/9901001", f"{URL} record 2 (oai:arXiv.org:hep-th/9901001)"),
    ]


def test_bad_records_are_rejected_with_their_location_and_the_rest_parsed() -> None:
    good = raw_record(RawRecord("2401.00001", "Fine"))
    no_id = raw_record(RawRecord("2401.00002", "No id")).replace("<id>2401.00002</id>", "")
    bad_id = raw_record(RawRecord("not-an-id", "Bad id"))
    no_title = raw_record(RawRecord("2401.00004", "X")).replace("<title>X</title>", "")
    bad_date = raw_record(RawRecord("2401.00005", "Bad date", versions=[("v1", "yesterday-ish")]))
    items = parse(list_records([good, no_id, bad_id, no_title, bad_date])).items
    assert isinstance(items[0], SourceRecord)
    rejected = items[1:]
    assert all(isinstance(r, Rejection) for r in rejected)
    reasons = [r.reason for r in rejected]  # type: ignore[union-attr]
    assert reasons[0] == "record has no <id>"
    assert reasons[1].startswith("id: 'not-an-id' is not an arXiv id")
    assert reasons[2] == "title is missing"
    assert "cannot read number or date 'yesterday-ish'" in reasons[3]
    assert rejected[0].location == f"{URL} record 2 (oai:arXiv.org:2401.00002)"  # type: ignore[union-attr]


def test_record_in_another_format_than_asked_is_rejected() -> None:
    (item,) = parse(list_records([SAMPLE_ARXIV]), "arXivRaw").items
    assert isinstance(item, Rejection)
    assert item.reason == "record has no arXivRaw metadata"


def test_no_records_match_is_an_empty_complete_page() -> None:
    page = parse(oai_error("noRecordsMatch", "The combination of the values results in an empty list."))
    assert page.items == [] and page.resumption_token is None


def test_other_protocol_errors_raise_with_code_and_url() -> None:
    with pytest.raises(OaiProtocolError) as caught:
        parse(oai_error("badResumptionToken", "The value of the resumptionToken argument is expired."))
    assert caught.value.code == "badResumptionToken"
    assert str(caught.value).startswith(f"{URL}: OAI-PMH error badResumptionToken: The value")


def test_malformed_xml_names_url_line_and_column() -> None:
    xml = list_records([raw_record(RawRecord("2401.00001", "Fine"))]).replace("</title>", "</titel>")
    with pytest.raises(MalformedResponseError) as caught:
        parse(xml)
    bad_line = xml.splitlines().index(next(li for li in xml.splitlines() if "</titel>" in li)) + 1
    # Columns count from 1; expat points at the closing tag's name.
    bad_column = xml.splitlines()[bad_line - 1].index("titel>") + 1
    assert str(caught.value) == (
        f"{URL}: response is not well-formed XML at line {bad_line}, column {bad_column}: mismatched tag"
    )


def test_truncated_body_says_it_looks_cut_short() -> None:
    xml = list_records([SAMPLE_ARXIV_RAW] * 3)
    with pytest.raises(MalformedResponseError, match=r"at line \d+, column \d+: .*looks cut short"):
        parse(xml[: len(xml) // 2])


def test_a_page_that_is_not_oai_pmh_is_refused() -> None:
    with pytest.raises(MalformedResponseError, match="not an OAI-PMH response"):
        parse("<html><body>Service temporarily unavailable</body></html>")


def test_entity_expansion_is_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;&a;</x>'
    with pytest.raises(MalformedResponseError, match="unsafe XML"):
        parse(bomb)


def test_author_string_splits_on_commas_and_and_outside_affiliations() -> None:
    authors = split_author_string("A. One (Univ X, Lab Y), B. Two and\n  C. Three, D. Four and E. Five")
    assert [a.name for a in authors] == ["A. One", "B. Two", "C. Three", "D. Four", "E. Five"]
