"""Screenshots of HTML reports in headless Chromium, to look at what a reader sees.

Run::

    python -m benchmarks.report_screenshot REPORT.html [REPORT.html ...] [--out-dir DIR]
        [--width 1280] [--height 2400]

Each report becomes ``DIR/<name>.png`` (default: beside the report). Chromium runs with
a throwaway profile and every background service off (no network, sync, component
updates or first-run pages); the page itself loads nothing, which its
Content-Security-Policy enforces. The browser is ``$CHROMIUM`` or /usr/bin/chromium;
without it the script says so and exits 2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_BROWSER = "/usr/bin/chromium"
#: Seconds one screenshot may take before it counts as failed.
TIMEOUT_S = 120


def browser() -> str | None:
    """The Chromium to run, or None when there is none."""
    path = os.environ.get("CHROMIUM", DEFAULT_BROWSER)
    return path if Path(path).is_file() or shutil.which(path) else None


def chromium_command(
    exe: str, page: Path, png: Path, profile: Path, width: int, height: int
) -> list[str]:
    """The headless command line: no GPU, sandbox, network services or first-run UI."""
    return [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={width},{height}",
        page.resolve().as_uri(),
    ]


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2400) -> Path:
    """Take the screenshot of ``page`` into ``png``; raises when Chromium fails."""
    exe = browser()
    if exe is None:
        raise FileNotFoundError(f"no Chromium at {DEFAULT_BROWSER} (set $CHROMIUM)")
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rota-chromium-") as profile:
        cmd = chromium_command(exe, page, png, Path(profile), width, height)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    if done.returncode != 0 or not png.is_file():
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)
    if browser() is None:
        print(f"no Chromium at {DEFAULT_BROWSER}; install it or set $CHROMIUM", file=sys.stderr)
        return 2
    for report in args.reports:
        out_dir = args.out_dir or report.parent
        png = screenshot(report, out_dir / f"{report.stem}.png", args.width, args.height)
        print(f"{report} -> {png} ({png.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
