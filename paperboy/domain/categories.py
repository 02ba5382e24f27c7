"""What an arXiv category looks like: an archive, optionally a dot and a subject class.

"cs", "cs.LG", "hep-th", "cond-mat.stat-mech", "physics.acc-ph". Case is not judged here
(a search for cat:CS.lg is a search for cs.LG). One rule for every layer, so a category
a search accepts is one a subscription, a follow and an ingested record accept too.
"""

from __future__ import annotations

import re

# Letters and hyphens, starting with a letter, on each side of at most one dot.
CATEGORY_PATTERN = r"[a-z][a-z-]*(?:\.[a-z][a-z-]*)?"
_CATEGORY = re.compile(rf"^{CATEGORY_PATTERN}$", re.IGNORECASE)


def is_category(text: str) -> bool:
    """Whether text has the shape of an arXiv category or archive."""
    return _CATEGORY.match(text) is not None
