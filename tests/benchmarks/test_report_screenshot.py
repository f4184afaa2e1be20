"""``benchmarks/report_screenshot.py``: headless Chromium opens a report and takes a
screenshot that is not blank. Skipped when there is no browser (CI installs Debian's
``chromium`` when it runs as root)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.report_screenshot import browser, chromium_command, main, screenshot
from data.scenarios import generate
from models import Policy
from scheduler.io.html_report import plan_report
from scheduler.plan.planner import plan_week

needs_chromium = pytest.mark.skipif(
    browser() is None, reason="no Chromium at /usr/bin/chromium (apt-get install chromium)"
)


def test_the_browser_runs_headless_with_nothing_in_the_background(tmp_path: Path) -> None:
    cmd = chromium_command("chromium", tmp_path / "r.html", tmp_path / "r.png", tmp_path, 800, 600)
    for flag in ("--headless", "--disable-background-networking", "--disable-sync"):
        assert flag in cmd
    assert cmd[-1].startswith("file://")


@needs_chromium
def test_a_borough_report_screenshot_is_not_blank(tmp_path: Path) -> None:
    from PIL import Image

    sc = generate("borough", 20261130)
    rota = plan_week(sc.register, Policy(), sc.week_start, seed=11)
    page = tmp_path / "borough.html"
    page.write_text(plan_report(rota, sc.register, charts=False))
    png = screenshot(page, tmp_path / "borough.png", 1280, 1600)
    with Image.open(png) as im:
        assert im.size == (1280, 1600)
        colours = im.convert("RGB").getcolors(maxcolors=1 << 16)
    # a blank or error page has a handful of colours; the report's tiers, routes, cards
    assert colours is None or len(colours) > 50


def test_without_a_browser_the_script_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-browser"))
    assert main([str(tmp_path / "r.html")]) == 2
    assert "no Chromium" in capsys.readouterr().err
