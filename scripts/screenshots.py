"""Take the documentation's screenshots from a running Paperboy (docs/screenshots/).

Usage: python scripts/screenshots.py BASE_URL DATABASE_URL [OUT_FOLDER]
Normally run through `bash scripts/screenshots`, which builds the store from the real
2025-2026 arXiv file, serves it and calls this. Each picture is one 1280x900 viewport
(or a 390x844 phone), not the full page, so the PNGs stay small.

The papers shown are chosen from the store, not named here: the newest feed day, its
most common category for the chip, and a paper of that fortnight with a formula in its
title, so a rerun on newer data still shows what each picture is meant to show.
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from sqlalchemy import text

from paperboy.store import open_database

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SEARCH_QUERY = "diffusion policy for robot manipulation"
# A PNG above this is a sign the picture is not one viewport (or is noise).
MAX_BYTES = 600_000


def choose_subjects(database_url: str) -> dict[str, str]:
    """The newest feed day, its commonest primary category, and a paper with a formula."""
    db = open_database(database_url)
    try:
        with db.connect() as conn:
            day = conn.execute(text("SELECT max(day) FROM entry WHERE origin = 'arxiv'")).scalar_one()
            day = str(day)[:10]
            listed = conn.execute(
                text("SELECT p.categories FROM entry e JOIN paper p ON p.id = e.paper_id WHERE e.day = :day"),
                {"day": day},
            ).scalars()
            primaries = Counter(c.split()[0] for c in listed if c)
            category = min(primaries, key=lambda c: (-primaries[c], c))
            # A title with a formula, from the feed's newest fortnight: MathML in the
            # heading and, most often, in the abstract too.
            key = conn.execute(
                text(
                    "SELECT p.arxiv_id FROM paper p JOIN entry e ON e.paper_id = p.id "
                    "WHERE p.title LIKE '%$%$%' AND p.abstract LIKE '%$%$%' AND p.arxiv_id IS NOT NULL "
                    "ORDER BY e.day DESC, p.arxiv_id LIMIT 1"
                )
            ).scalar_one()
    finally:
        db.close()
    return {"day": day, "category": category, "paper": key}


def shoot(base: str, subjects: dict[str, str], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    day_path = f"/papers/{subjects['day']}"
    saved: list[Path] = []

    def save(page: Any, name: str) -> None:
        path = out / name
        page.screenshot(path=str(path))
        if path.stat().st_size > MAX_BYTES:
            raise SystemExit(f"{path}: {path.stat().st_size:,} bytes, more than {MAX_BYTES:,}")
        saved.append(path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        light = browser.new_context(viewport=DESKTOP, base_url=base, color_scheme="light")
        page = light.new_page()
        page.goto("/")
        save(page, "home.png")  # the home page: the newest day, comfortable cards
        save(page.locator(".card").nth(1), "card-keywords.png")  # one card, its key-phrase chips
        page.goto(f"{day_path}?cat={subjects['category']}")
        save(page, "feed-comfortable.png")  # the whole day, one category chip chosen
        page.goto(f"{day_path}?period=week")
        save(page, "week.png")
        page.goto(f"/papers/{subjects['paper']}")
        page.locator("math").first.wait_for()
        save(page, "paper-math.png")
        page.goto(f"/search?q={SEARCH_QUERY.replace(' ', '+')}")
        save(page, "search.png")
        page.goto("/trending")
        save(page, "trending-empty.png")
        page.goto(f"/layout?set=compact&next={day_path}")
        save(page, "feed-compact.png")
        light.close()

        dark = browser.new_context(viewport=DESKTOP, base_url=base, color_scheme="dark")
        page = dark.new_page()
        page.goto("/")
        save(page, "dark.png")
        dark.close()

        phone = browser.new_context(
            viewport=PHONE, base_url=base, device_scale_factor=1, is_mobile=True, color_scheme="dark"
        )
        page = phone.new_page()
        page.goto(f"/layout?set=compact&next={day_path}")
        save(page, "phone-compact.png")
        phone.close()
        browser.close()
    return saved


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    base, database_url = argv[1], argv[2]
    out = Path(argv[3]) if len(argv) == 4 else Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    subjects = choose_subjects(database_url)
    print(f"day {subjects['day']}, chip {subjects['category']}, paper {subjects['paper']}")
    for path in shoot(base, subjects, out):
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
