"""Screenshots of the topic map of a real week for docs/insight.md, light and dark, a
search marked, a topic page and a phone's view, taken with Debian's Chromium from a running
`paperboy serve` over a real store (see bench/topic_map.py for building one).

Usage:
    python bench/map_screenshots.py BASE_URL DAY [OUT_FOLDER]   # e.g. http://127.0.0.1:8765 2026-08-12
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright import sync_api

CHROMIUM = "/usr/bin/chromium"


def main() -> None:
    base, day = sys.argv[1], sys.argv[2]
    out = Path(sys.argv[3] if len(sys.argv) > 3 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    url = f"/map?day={day}&period=week"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, base_url=base, color_scheme=scheme
            )
            page = context.new_page()
            page.goto(url)
            page.locator("a.point").nth(40).focus()
            page.locator("figure.map-figure").screenshot(path=str(out / f"map-{scheme}.png"))
            if scheme == "light":
                page.goto(url + "&q=diffusion")
                page.locator("figure.map-figure").screenshot(path=str(out / "map-search.png"))
                page.goto(url)
                page.locator(".topic-entry > a").first.click()
                page.screenshot(path=str(out / "topic-real.png"))
            context.close()
        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, base_url=base, device_scale_factor=2
        )
        page = phone.new_page()
        page.goto(url)
        page.screenshot(path=str(out / "map-phone.png"))
        phone.close()
        browser.close()


if __name__ == "__main__":
    main()
