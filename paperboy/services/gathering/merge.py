"""Merging two descriptions of one paper: the newer version wins, blanks are filled."""

from __future__ import annotations

from dataclasses import fields, replace

from paperboy.domain import Paper

# "source" records where the paper was first seen; it never changes on merge. Keywords
# are derived from the stored text by the indexer, never taken from a record.
_KEEP = {"source", "keywords"}


def is_newer(a: Paper, b: Paper) -> bool:
    """Whether description a supersedes b: a higher version, else a later version date,
    else a later metadata date. A record with neither (a saved page) never wins."""
    if a.version and b.version and a.version != b.version:
        return a.version > b.version
    if a.updated and b.updated and a.updated != b.updated:
        return a.updated > b.updated
    if bool(a.updated) != bool(b.updated):
        return a.updated is not None
    if a.metadata_updated and b.metadata_updated and a.metadata_updated != b.metadata_updated:
        return a.metadata_updated > b.metadata_updated
    return (a.version or 0) > (b.version or 0)


def merge_papers(stored: Paper, incoming: Paper) -> Paper:
    """One description from two. The newer wins each field it has; an older one only
    fills fields the newer lacks, so it never overwrites what a newer version said."""
    if is_newer(incoming, stored):
        newer, older = incoming, stored
    else:
        newer, older = stored, incoming
    changes = {}
    for f in fields(Paper):
        if f.name in _KEEP:
            continue
        if _blank(getattr(newer, f.name)) and not _blank(getattr(older, f.name)):
            changes[f.name] = getattr(older, f.name)
    merged = replace(newer, **changes) if changes else newer
    if merged.source != stored.source:
        merged = replace(merged, source=stored.source)
    return merged


def _blank(value: object) -> bool:
    return value is None or value == "" or value == ()
