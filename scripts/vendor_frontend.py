#!/usr/bin/env python3
"""Re-vendor GOV.UK Frontend (and axe-core for the browser tests) from the npm registry.

Run by hand when upgrading: ``python3 scripts/vendor_frontend.py``. Needs npm; nothing at run
time does. What it writes is committed:

- ``haven/core/static/govuk/``: the built CSS and JS and the images. The CSS's absolute ``/assets/``
  URLs are rewritten to relative ones so the files work under ``STATIC_URL``.
- The GDS Transport font is left out: its licence covers GOV.UK services only. The CSS's
  ``@font-face`` rules are removed and the font stack falls back to Arial, as GOV.UK Frontend
  does for services off GOV.UK.
- ``tests/browser/vendor/axe.min.js``: axe-core, injected into pages by the browser tests.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

GOVUK_FRONTEND = "govuk-frontend@6.3.0"
AXE_CORE = "axe-core@4.14.1"
ROOT = Path(__file__).resolve().parent.parent


def fetch(spec: str, into: Path) -> Path:
    out = (
        subprocess.run(
            ["npm", "pack", spec, "--silent", "--pack-destination", str(into)],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    with tarfile.open(into / out) as tar:
        tar.extractall(into / spec.split("@")[0], filter="data")
    return into / spec.split("@")[0] / "package"


def rewrite_css(css: str) -> str:
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace("GDS Transport,arial,sans-serif", "arial,sans-serif")
    css = css.replace("font-family:GDS Transport", "font-family:arial")
    css = css.replace("url(/assets/", "url(assets/")
    assert "/assets/" not in css, "an absolute asset URL is left in the CSS"
    return re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        govuk = fetch(GOVUK_FRONTEND, Path(tmp))
        dist = govuk / "dist" / "govuk"
        target = ROOT / "haven" / "core" / "static" / "govuk"
        shutil.rmtree(target, ignore_errors=True)
        (target / "assets").mkdir(parents=True)
        css = (dist / "govuk-frontend.min.css").read_text()
        (target / "govuk-frontend.min.css").write_text(rewrite_css(css))
        js = (dist / "govuk-frontend.min.js").read_text()
        (target / "govuk-frontend.min.js").write_text(re.sub(r"//# sourceMappingURL=.*", "", js))
        shutil.copytree(dist / "assets" / "images", target / "assets" / "images")
        # The package ships no licence file; its package.json says MIT.
        (target / "VERSION").write_text(GOVUK_FRONTEND + " (MIT licence, Crown copyright)\n")

        axe = fetch(AXE_CORE, Path(tmp))
        vendor = ROOT / "tests" / "browser" / "vendor"
        vendor.mkdir(parents=True, exist_ok=True)
        shutil.copy(axe / "axe.min.js", vendor / "axe.min.js")
        shutil.copy(axe / "LICENSE", vendor / "axe-LICENSE")
        (vendor / "VERSION").write_text(AXE_CORE + "\n")
    print(f"vendored {GOVUK_FRONTEND} and {AXE_CORE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
