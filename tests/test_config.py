"""Settings from the environment and paperboy.toml."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from paperboy.cli.web_commands import listening_url
from paperboy.config import ConfigError, Settings, load_settings


def test_defaults_put_the_store_under_paperboy_data() -> None:
    settings = load_settings(environ={}, toml_path=Path("/nonexistent.toml"))
    assert settings.data_dir == Path("paperboy-data")
    assert settings.effective_database_url == "sqlite:///paperboy-data/paperboy.db"
    assert settings.request_delay == 3.0


def test_environment_overrides_the_toml_file(tmp_path: Path) -> None:
    toml = tmp_path / "paperboy.toml"
    toml.write_text('batch_size = 50\narxiv_sets = ["cs", "math"]\nrequest_delay = 1.5\n')
    settings = load_settings(environ={"PAPERBOY_BATCH_SIZE": "7"}, toml_path=toml)
    assert settings.batch_size == 7
    assert settings.arxiv_sets == ("cs", "math")
    assert settings.request_delay == 1.5


def test_a_bad_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="PAPERBOY_BATCH_SIZE.*'lots'"):
        load_settings(environ={"PAPERBOY_BATCH_SIZE": "lots"}, toml_path=Path("/nonexistent"))


def test_an_unknown_toml_key_is_refused(tmp_path: Path) -> None:
    toml = tmp_path / "paperboy.toml"
    toml.write_text("bacth_size = 5\n")
    with pytest.raises(ConfigError, match="'bacth_size': unknown setting"):
        load_settings(environ={}, toml_path=toml)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    toml = tmp_path / "paperboy.toml"
    toml.write_text("batch_size = = 5\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(environ={}, toml_path=toml)


def test_every_setting_is_documented() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "configuration.md").read_text()
    for setting in fields(Settings):
        assert f"PAPERBOY_{setting.name.upper()}" in docs, setting.name


def test_the_default_embedding_model_is_the_registry_default() -> None:
    from paperboy.embed import DEFAULT_EMBEDDER

    assert load_settings(environ={}, toml_path=Path("/nonexistent")).embedding_model == DEFAULT_EMBEDDER


def test_links_default_to_the_address_paperboy_serve_listens_on() -> None:
    assert Settings().effective_base_url == "http://127.0.0.1:8000"
    assert Settings(base_url="https://papers.example.org/").effective_base_url == "https://papers.example.org"
    assert listening_url("127.0.0.1", 8765) == "http://127.0.0.1:8765"
    assert listening_url("0.0.0.0", 80) == "http://127.0.0.1:80"
    assert listening_url("::1", 8000) == "http://[::1]:8000"
