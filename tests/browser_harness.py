"""What every browser test shares: Debian's Chromium driven by Playwright, one for the run.

The `browser` fixture (tests/conftest.py) hands out the one Chromium of `SHARED`. It is
launched by the first browser test and closed as soon as the next test to run is not one
(`pytest_runtest_teardown` in conftest.py): Playwright's sync API leaves its event loop
marked running in the main thread between calls, so a Chromium kept for the rest of the run
would break any later test that calls `asyncio.run()`. Run in file order, the browser
modules come one after the other and share one launch; under pytest-xdist with
`--dist loadgroup` they are one group (`pytest_xdist_make_scheduler` in conftest.py), so
one worker runs them all in a row.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import fresh_database
from web_server import running_server

from paperboy.config import Settings
from paperboy.store import Database, open_database

# Debian's chromium (scripts/setup installs it); Playwright downloads no browser here.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Saved on every run for people to look at (docs/screenshots/ holds copies for the docs).
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class SharedBrowser:
    """One headless Chromium, launched when first asked for, closed by close()."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None
        self.launches = 0

    def get(self) -> Any:
        if self._browser is None:
            from playwright import sync_api as playwright_sync

            playwright = playwright_sync.sync_playwright().start()
            try:
                self._browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            except BaseException:
                playwright.stop()
                raise
            self._playwright = playwright
            self.launches += 1
        return self._browser

    def close(self) -> None:
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        try:
            if browser is not None:
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()


SHARED = SharedBrowser()


class Visit:
    """A page plus what must never happen on it: dialogs, script errors, CSP violations."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
        page.on("console", self._on_console)  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))  # type: ignore[attr-defined]

    def _on_console(self, message: object) -> None:
        # HTTP error statuses are the subject of other tests; scripts errors and CSP refusals are not.
        text = message.text  # type: ignore[attr-defined]
        if message.type == "error" and not text.startswith("Failed to load resource: the server responded"):  # type: ignore[attr-defined]
            self.console_errors.append(text)

    def check_clean(self) -> None:
        assert self.dialogs == []
        assert self.console_errors == []


@contextmanager
def served_store(folder: Path, model_dir: Path, fill: Callable[[Database, Settings], None]) -> Iterator[str]:
    """`paperboy serve` on a fresh store that `fill` has filled; yields the site's base URL."""
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    with fresh_database(folder) as url:
        db = open_database(url)
        db.migrate()
        fill(db, Settings(data_dir=data_dir, database_url=url, model_dir=model_dir))
        db.close()
        with running_server(url, data_dir, model_dir) as base:
            yield base


@contextmanager
def visiting(browser: object, base_url: str, **context_options: Any) -> Iterator[Visit]:
    """A page in a new browser context on `base_url` (desktop and light unless told
    otherwise), checked clean when the visit ends."""
    options = {"viewport": DESKTOP, "color_scheme": "light", **context_options}
    context = browser.new_context(base_url=base_url, **options)  # type: ignore[attr-defined]
    try:
        visit = Visit(context.new_page())
        yield visit
        visit.check_clean()
    finally:
        context.close()


def screenshot(page: object, name: str, max_bytes: int = 400_000) -> None:
    """Save a screenshot under tests/screenshots/; a picture over max_bytes is a page gone wrong."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    assert path.stat().st_size < max_bytes
