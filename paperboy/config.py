"""Settings from PAPERBOY_* environment variables and an optional paperboy.toml.

Precedence: environment, then the TOML file, then the defaults below. The TOML file
is ./paperboy.toml, or the path in PAPERBOY_CONFIG.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from paperboy.domain.errors import UserFacingError

LOCAL_SITE = "http://127.0.0.1:8000"


class ConfigError(UserFacingError, ValueError):
    """A setting has a value Paperboy cannot use; the message names it."""


def _setting(default: Any, help: str, secret: bool = False) -> Any:
    return field(default=default, metadata={"help": help, "secret": secret})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(Path("paperboy-data"), "Folder for the SQLite database, indexes and outbox.")
    database_url: str = _setting(
        "", "SQLAlchemy URL of the store; empty means SQLite at DATA_DIR/paperboy.db.", secret=True
    )
    oai_url: str = _setting("https://oaipmh.arxiv.org/oai", "arXiv OAI-PMH endpoint.")
    arxiv_api_url: str = _setting("https://export.arxiv.org/api/query", "arXiv API (Atom) endpoint.")
    hf_daily_url: str = _setting(
        "https://huggingface.co/api/daily_papers", "Hugging Face daily papers API endpoint."
    )
    request_delay: float = _setting(3.0, "Seconds between requests to one remote service (arXiv asks for 3).")
    http_timeout: float = _setting(60.0, "Seconds to wait for a remote response.")
    http_retries: int = _setting(5, "Attempts per request on 503, timeouts and dropped connections.")
    max_retry_after: float = _setting(
        600.0, "Longest Retry-After (seconds) honoured before giving up on a request."
    )
    contact_email: str = _setting("", "Address put in the User-Agent so remote operators can reach you.")
    arxiv_sets: tuple[str, ...] = _setting(("cs",), "OAI-PMH sets harvested by default.")
    batch_size: int = _setting(1000, "Records committed per transaction during ingest.")
    embedding_model: str = _setting(
        "minilm-onnx-int8-128", "Embedding model for semantic search (see docs/embedding.md)."
    )
    semantic_threshold: float = _setting(
        0.30,
        "Cosine similarity a paper needs to be a semantic result without matching the words "
        "(calibrated for the default model; see docs/search.md).",
    )
    model_dir: Path = _setting(
        Path(""), "Folder for converted embedding models; empty means DATA_DIR/models."
    )
    smtp_url: str = _setting(
        "", "smtp://user:password@host:port (or smtps://); empty writes mail to the outbox.", secret=True
    )
    mail_from: str = _setting("Paperboy <paperboy@localhost>", "From address of every mail Paperboy sends.")
    base_url: str = _setting(
        "",
        "Public address of the site, used for links in mail and Secure cookies; empty means the "
        "address paperboy serve listens on (http://127.0.0.1:8000 for commands that do not serve).",
    )
    trusted_proxies: tuple[str, ...] = _setting(
        (),
        "Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For names the client; "
        "empty trusts none: the connecting address is the client.",
    )
    page_cache_seconds: float = _setting(
        30.0,
        "Seconds a rendered feed, paper or search page is reused for signed-out readers "
        "(changes made through the site show at once; 0 turns the cache off).",
    )
    secret_key: str = _setting(
        "", "Key signing CSRF tokens; empty means one generated once into DATA_DIR/secret_key.", secret=True
    )
    harvest_time: str = _setting(
        "01:30", "UTC time (HH:MM) the worker harvests arXiv, after its 20:00 US Eastern announcement."
    )
    digest_hour: int = _setting(6, "UTC hour (0-23) from which the worker sends each day's digest editions.")
    weekly_digest_day: str = _setting(
        "monday", "Day the weekly editions go out (they cover the week before)."
    )
    digest_top_n: int = _setting(10, "Papers listed in a trending digest or a saved-search alert.")
    digest_max_attempts: int = _setting(
        5, "Tries per digest mail on temporary failures before it is recorded as failed for good."
    )

    @property
    def effective_model_dir(self) -> Path:
        return self.model_dir if str(self.model_dir) not in ("", ".") else self.data_dir / "models"

    @property
    def effective_base_url(self) -> str:
        return (self.base_url or LOCAL_SITE).rstrip("/")

    @property
    def secure_cookies(self) -> bool:
        """Cookies are marked Secure when the site is served over https."""
        return self.effective_base_url.lower().startswith("https://")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'paperboy.db'}"

    def describe(self) -> list[tuple[str, str, str]]:
        """(name, value with secrets masked, help) for every setting."""
        rows = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "database_url" and not value:
                value = self.effective_database_url
            if f.name == "base_url":
                value = self.effective_base_url
            if f.name == "model_dir":
                value = self.effective_model_dir
            text = _format(value)
            if f.metadata["secret"] and value:
                text = _mask(text)
            rows.append((f.name, text, f.metadata["help"]))
        return rows


def load_settings(environ: Mapping[str, str] | None = None, toml_path: Path | None = None) -> Settings:
    """Read settings; raise ConfigError naming the setting and its source on bad values."""
    environ = os.environ if environ is None else environ
    if toml_path is None:
        toml_path = Path(environ.get("PAPERBOY_CONFIG", "paperboy.toml"))
    raw: dict[str, tuple[Any, str]] = {}
    if toml_path.is_file():
        try:
            table = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{toml_path}: not valid TOML: {exc}") from None
        for key, value in table.items():
            raw[key] = (value, f"{toml_path} key {key!r}")
    known = {f.name: f for f in fields(Settings)}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{raw[key][1]}: unknown setting (known: {', '.join(known)})")
    for name in known:
        env_name = f"PAPERBOY_{name.upper()}"
        if env_name in environ:
            raw[name] = (environ[env_name], f"environment variable {env_name}")
    values = {name: _convert(known[name].type, value, where) for name, (value, where) in raw.items()}
    return Settings(**values)


def _convert(kind: Any, value: Any, where: str) -> Any:
    kind = str(kind)
    try:
        if kind == "Path":
            return Path(str(value))
        if kind == "float":
            return float(value)
        if kind == "int":
            return int(value)
        if kind.startswith("tuple"):
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(str(v) for v in value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {value!r} is not a valid {kind}") from None


def _format(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def _mask(text: str) -> str:
    # Keep the scheme and host visible so the operator can tell which server it is.
    if "://" in text:
        scheme, rest = text.split("://", 1)
        if "@" not in rest:
            return text
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return "***"
