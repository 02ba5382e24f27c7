"""The site's secret key: signs CSRF tokens and the links in subscription mail.

Foundation code, so services and the web layer can both sign with it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from paperboy.config import ConfigError, Settings


def resolve_secret_key(settings: Settings) -> bytes:
    """The secret_key setting, else the key in DATA_DIR/secret_key, generated (0600) on first use."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_dir / "secret_key"
    if not path.exists():
        _create_key_file(path)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigError(
            f"{path} holds no usable key (fewer than 32 characters); delete it to have one made"
        )
    return key.encode()


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        # link() fails if the file exists: two workers starting together agree on one key.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
