"""Browser tests: Chromium through Playwright against the live server (see conftest.py)."""

import pytest

# The ``context`` fixture runs each test with JavaScript and without; this keeps only the first.
JS_ONLY = pytest.mark.parametrize("context", [True], ids=["js"], indirect=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
