"""Links read back from the mails in the outbox folder, as a reader would click them."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path


def mailed_links(outbox: Path, path: str, to: str | None = None) -> list[str]:
    """Every link to path with a token in the mails' plain-text parts, oldest mail first.

    With `to`, only mails to that address count.
    """
    links: list[str] = []
    for eml in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        if to is not None and message["To"] != to:
            continue
        body = message.get_body(("plain",))
        assert body is not None, f"{eml} has no plain-text part"
        pattern = rf"https?://[^\s/]+{re.escape(path)}\?token=[^\s<>\"']+"
        links += re.findall(pattern, body.get_content())  # type: ignore[attr-defined]
    return links
