"""The store revision an index folder contains, kept in a small file beside the index.

Written only after the index itself has committed, by write-to-temp + fsync + rename, so
after a crash the file names a revision the index really holds (or an older one: the
indexer then re-applies a few changes, which is harmless because updates replace by id).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from paperboy.domain.errors import UserFacingError

WATERMARK_FILE = "watermark.json"


class UnreadableWatermark(UserFacingError, ValueError):
    """The watermark file is damaged; the message names it and says to rebuild the index."""


def read_watermark(folder: Path) -> int:
    """The highest store revision the index in `folder` holds; 0 when it holds none."""
    path = folder / WATERMARK_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return 0
    except (OSError, ValueError) as error:
        raise UnreadableWatermark(f"{path}: unreadable watermark ({error}); rebuild the index") from error
    revision = data.get("revision") if isinstance(data, dict) else None
    if not isinstance(revision, int) or revision < 0:
        raise UnreadableWatermark(f"{path}: watermark is not a non-negative integer; rebuild the index")
    return revision


def write_watermark(folder: Path, revision: int) -> None:
    """Atomically record `revision`; call only after the index commit has returned."""
    if not isinstance(revision, int) or revision < 0:
        raise ValueError(f"watermark must be a non-negative integer, got {revision!r}")
    path = folder / WATERMARK_FILE
    tmp = folder / (WATERMARK_FILE + ".tmp")
    with open(tmp, "w") as f:
        json.dump({"revision": revision}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    # The rename itself must reach the disk too, or a crash could bring the old file back.
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
