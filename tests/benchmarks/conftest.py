"""Make the repo-root ``benchmarks`` package importable under plain ``pytest``.

The editable install only maps ``scheduler``, ``models`` and ``data``
(pyproject ``packages.find``), so without this the literature tests would
only import when run as ``python -m pytest`` from the repo root.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
