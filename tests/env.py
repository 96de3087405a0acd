"""Loaded as a pytest plugin (``-p tests.env``) before Django's settings are read.

Tests run with HAVEN_ENV=test and a throwaway var/ directory, so they never touch the
developer's database, keys or secrets.

Under pytest-xdist (``make test`` runs the suite on several workers) each worker is a process
of its own that inherits the controller's environment, HAVEN_VAR_DIR included. So a worker
takes a folder of its own inside that one (``…/gw0``, ``…/gw1``): the development secrets the
settings create there, the notices file and anything else under var/ are never shared between
two processes running tests at the same time.
"""

import os
import tempfile
from pathlib import Path

os.environ["HAVEN_ENV"] = "test"
os.environ.setdefault("HAVEN_VAR_DIR", tempfile.mkdtemp(prefix="haven-test-"))

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    _own = Path(os.environ["HAVEN_VAR_DIR"]) / _worker
    _own.mkdir(parents=True, exist_ok=True)
    os.environ["HAVEN_VAR_DIR"] = str(_own)
