"""Recorded OAI-PMH responses, written from the protocol and arXiv's formats.

The envelope follows OAI-PMH 2.0 (openarchives.org/OAI/openarchivesprotocol.html,
sections 3.5 flow control, 3.6 errors, 4.5 ListRecords); the arXiv and arXivRaw
records follow arXiv's templates (github.com/arXiv/oaipmh, templates/record_formats.xml)
and the examples on info.arxiv.org/help/oa. The two sample records are arXiv's first
papers, 0704.0001 and 0704.0002, with their real dates and names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

OAI_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
    'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
)


@dataclass
class RawRecord:
    """What one arXivRaw record says; rendered by `raw_record`."""

    arxiv_id: str
    title: str
    authors: str = "Ada Lovelace, Charles Babbage"
    # (label, RFC 2822 date) per version.
    versions: list[tuple[str, str]] = field(default_factory=lambda: [("v1", "Mon, 1 Jan 2024 10:00:00 GMT")])
    datestamp: str = "2024-01-02"
    sets: tuple[str, ...] = ("cs",)
    categories: str = "cs.LG"
    abstract: str = "We study a problem and solve it."


def response(
    body: str,
    request: str = 'verb="ListRecords" metadataPrefix="arXivRaw"',
    response_date: str = "2024-01-03T12:00:00Z",
) -> str:
    return (
        f"{OAI_OPEN}<responseDate>{response_date}</responseDate>\n"
        f"<request {request}>http://export.arxiv.org/oai2</request>\n{body}\n</OAI-PMH>\n"
    )


def list_records(
    records: list[str],
    token: str | None = None,
    *,
    cursor: int = 0,
    complete_size: int | None = None,
    response_date: str = "2024-01-03T12:00:00Z",
) -> str:
    """A ListRecords page. A middle page carries a token; the last page an empty one."""
    size = f' completeListSize="{complete_size}"' if complete_size is not None else ""
    if token:
        tail = f'<resumptionToken cursor="{cursor}"{size}>{escape(token)}</resumptionToken>'
    else:
        tail = f'<resumptionToken cursor="{cursor}"{size}/>'
    return response(f"<ListRecords>\n{''.join(records)}{tail}\n</ListRecords>", response_date=response_date)


def oai_error(code: str, message: str, response_date: str = "2024-01-03T12:00:00Z") -> str:
    # arXiv sends protocol errors with HTTP 200 and no request attributes.
    body = f"<error code='{code}'>{escape(message)}</error>"
    return response(body, request="", response_date=response_date)


def header(arxiv_id: str, datestamp: str, sets: tuple[str, ...] = ("cs",), deleted: bool = False) -> str:
    status = ' status="deleted"' if deleted else ""
    specs = "".join(f"<setSpec>{s}</setSpec>" for s in sets)
    return (
        f"<header{status}><identifier>oai:arXiv.org:{arxiv_id}</identifier>"
        f"<datestamp>{datestamp}</datestamp>{specs}</header>"
    )


def deleted_record(arxiv_id: str, datestamp: str = "2024-01-02") -> str:
    return f"<record>{header(arxiv_id, datestamp, deleted=True)}</record>\n"


def raw_record(r: RawRecord) -> str:
    versions = "".join(
        f'<version version="{label}"><date>{when}</date><size>120kb</size>'
        f"<source_type>D</source_type></version>"
        for label, when in r.versions
    )
    return (
        f"<record>{header(r.arxiv_id, r.datestamp, r.sets)}<metadata>\n"
        '<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">\n'
        f"<id>{r.arxiv_id}</id><submitter>Ada Lovelace</submitter>{versions}"
        f"<title>{escape(r.title)}</title><authors>{escape(r.authors)}</authors>"
        f"<categories>{r.categories}</categories>"
        "<license>http://creativecommons.org/licenses/by/4.0/</license>"
        f"<abstract>  {escape(r.abstract)}\n</abstract>\n</arXivRaw>\n</metadata></record>\n"
    )


# arXiv's first paper, in arXivRaw: two versions, authors as one string with a TeX accent.
SAMPLE_ARXIV_RAW = """<record>
<header>
  <identifier>oai:arXiv.org:0704.0001</identifier>
  <datestamp>2008-11-13</datestamp>
  <setSpec>physics:hep-ph</setSpec>
</header>
<metadata>
<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">
  <id>0704.0001</id>
  <submitter>Pavel Nadolsky</submitter>
  <version version="v1">
    <date>Mon, 2 Apr 2007 19:18:42 GMT</date>
    <size>693kb</size>
    <source_type>D</source_type>
  </version>
  <version version="v2">
    <date>Tue, 24 Jul 2007 20:10:27 GMT</date>
    <size>730kb</size>
    <source_type>D</source_type>
  </version>
  <title>Calculation of prompt diphoton production cross sections at Tevatron and
  LHC energies</title>
  <authors>C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan</authors>
  <categories>hep-ph</categories>
  <comments>37 pages, 15 figures; published version</comments>
  <report-no>ANL-HEP-PR-07-12</report-no>
  <journal-ref>Phys.Rev.D76:013009,2007</journal-ref>
  <doi>10.1103/PhysRevD.76.013009</doi>
  <abstract>  A fully differential calculation in perturbative quantum chromodynamics is
presented for the production of massive photon pairs at hadron colliders. All
next-to-leading order perturbative contributions from quark-antiquark,
gluon-(anti)quark, and gluon-gluon subprocesses are included.
</abstract>
</arXivRaw>
</metadata>
</record>
"""

# arXiv's second paper, in the arXiv format: authors parsed into keyname/forenames.
SAMPLE_ARXIV = """<record>
<header>
  <identifier>oai:arXiv.org:0704.0002</identifier>
  <datestamp>2008-12-13</datestamp>
  <setSpec>cs</setSpec>
  <setSpec>math</setSpec>
</header>
<metadata>
<arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">
  <id>0704.0002</id>
  <created>2007-03-30</created>
  <updated>2008-12-13</updated>
  <authors>
    <author><keyname>Streinu</keyname><forenames>Ileana</forenames></author>
    <author><keyname>Theran</keyname><forenames>Louis</forenames></author>
    <author><keyname>Doe</keyname><forenames>John</forenames><suffix>Jr</suffix></author>
  </authors>
  <title>Sparsity-certifying Graph Decompositions</title>
  <categories>math.CO cs.CG</categories>
  <comments>To appear in Graphs and Combinatorics</comments>
  <msc-class>05C85; 05C70; 68R10; 05B35</msc-class>
  <license>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</license>
  <abstract>  We describe a new algorithm, the $(k,\\ell)$-pebble game with colors, and use
it obtain a characterization of the family of $(k,\\ell)$-sparse graphs and
algorithmic solutions to a family of problems concerning tree decompositions of
graphs.
</abstract>
</arXiv>
</metadata>
</record>
"""


def arxiv_record(
    arxiv_id: str,
    title: str,
    created: str,
    updated: str | None,
    datestamp: str,
    authors: list[tuple[str, str]] | None = None,
) -> str:
    """A record in the arXiv format; authors as (keyname, forenames)."""
    people = "".join(
        f"<author><keyname>{k}</keyname><forenames>{f}</forenames></author>"
        for k, f in (authors or [("Lovelace", "Ada")])
    )
    later = f"<updated>{updated}</updated>" if updated else ""
    return (
        f"<record>{header(arxiv_id, datestamp)}<metadata>"
        '<arXiv xmlns="http://arxiv.org/OAI/arXiv/">'
        f"<id>{arxiv_id}</id><created>{created}</created>{later}<authors>{people}</authors>"
        f"<title>{escape(title)}</title><categories>cs.LG</categories>"
        "<abstract>An abstract.</abstract></arXiv></metadata></record>\n"
    )
