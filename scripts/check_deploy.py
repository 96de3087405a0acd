#!/usr/bin/env python3
"""Run ``manage.py check --deploy`` with production settings and throwaway secrets.

Fails on any warning: production settings must pass Django's deployment checklist as shipped.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

with tempfile.TemporaryDirectory() as var:
    env = {
        **os.environ,
        "HAVEN_ENV": "production",
        "HAVEN_VAR_DIR": var,
        "HAVEN_ALLOWED_HOSTS": "report.example.org",
        "HAVEN_SECRET_KEY": secrets.token_urlsafe(50),
        "HAVEN_RECEIPT_KEY": secrets.token_urlsafe(32),
        "HAVEN_RATE_LIMIT_KEY": secrets.token_urlsafe(32),
        "HAVEN_INDEX_KEY": secrets.token_urlsafe(32),
        "HAVEN_AUDIT_CHECKPOINT_KEY": secrets.token_urlsafe(32),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
    )
    sys.exit(result.returncode)
