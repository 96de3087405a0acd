"""Loaded as a pytest plugin (``-p tests.env``) before Django's settings are read.

Tests run with HAVEN_ENV=test and a throwaway var/ directory, so they never touch the
developer's database, keys or secrets.
"""

import os
import tempfile

os.environ["HAVEN_ENV"] = "test"
os.environ.setdefault("HAVEN_VAR_DIR", tempfile.mkdtemp(prefix="haven-test-"))
