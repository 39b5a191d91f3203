"""Open HTML reports in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and
measure their layout: what overflows the window and which text boxes overlap."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (900, 1400)  # a laptop window beside another, and a desktop one

# Every block of text and every figure, by its bounding box; overlap is measured between boxes of which
# neither contains the other. A table wider than its container, or a cell whose text is clipped, is
# reported too.
LAYOUT_JS = """() => {
  const blocks = Array.from(document.querySelectorAll('h1, h2, h3, p, li, figure, table'));
  const rect = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const overlaps = [];
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const a = blocks[i], b = blocks[j];
      if (a.contains(b) || b.contains(a)) continue;
      const [l1, t1, r1, b1] = rect(a), [l2, t2, r2, b2] = rect(b);
      if (Math.min(r1, r2) - Math.max(l1, l2) > 1 && Math.min(b1, b2) - Math.max(t1, t2) > 1)
        overlaps.push([a.tagName + ':' + a.textContent.slice(0, 40), b.tagName + ':' + b.textContent.slice(0, 40)]);
    }
  }
  const page = document.documentElement;
  return {
    page_overflow: page.scrollWidth - page.clientWidth,
    wide_tables: Array.from(document.querySelectorAll('.wide')).filter(d => d.scrollWidth > d.clientWidth + 1)
      .map(d => d.querySelector('table').id),
    clipped_cells: Array.from(document.querySelectorAll('td, th')).filter(c => c.scrollWidth > c.clientWidth + 1)
      .map(c => c.textContent),
    overlaps: overlaps,
    beyond_right: blocks.filter(e => rect(e)[2] > page.clientWidth + 1).map(e => e.tagName + ':' + e.textContent.slice(0, 40)),
  };
}"""


@contextmanager
def chromium(profile: Path) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def layout_problems(browser, page_file: Path, width: int, screenshot: Path | None = None) -> dict:
    """The layout of `page_file` in a window `width` px wide: only the problems found (empty: none)."""
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page_file.as_uri())
    found = page.evaluate(LAYOUT_JS)
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return {key: value for key, value in found.items() if value}
