"""Project-wide promises: translations marked, migrations complete, deployment checks pass."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    p for p in (ROOT / "haven").rglob("*.html") if "jinja2" in p.parts or "templates" in p.parts
)


def untranslated_text(source: str) -> str:
    """What is left of a template once Jinja code, tags and entities are removed."""
    for pattern in (r"\{#.*?#\}", r"\{%.*?%\}", r"\{\{.*?\}\}", r"<[^>]*>", r"&[a-z]+;|&#\d+;"):
        source = re.sub(pattern, " ", source, flags=re.S)
    return " ".join(re.findall(r"[A-Za-z]{2,}", source))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_string_in_a_template_is_marked_for_translation(template):
    assert untranslated_text(template.read_text()) == ""


def test_the_models_and_migrations_agree(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_settings_pass_the_deployment_checklist():
    result = subprocess.run(
        [sys.executable, "scripts/check_deploy.py"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    env.update(HAVEN_ENV="production", HAVEN_VAR_DIR=str(tmp_path), HAVEN_ALLOWED_HOSTS="x.example")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "HAVEN_SECRET_KEY (or HAVEN_SECRET_KEY_FILE) must be set in production" in result.stderr


def test_secrets_can_be_read_from_files(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    for name in (
        "HAVEN_SECRET_KEY",
        "HAVEN_RECEIPT_KEY",
        "HAVEN_RATE_LIMIT_KEY",
        "HAVEN_INDEX_KEY",
        "HAVEN_AUDIT_CHECKPOINT_KEY",
    ):
        (tmp_path / name).write_text(f"file-secret-{name}-0123456789abcdef0123456789abcdef\n")
        env[f"{name}_FILE"] = str(tmp_path / name)
    env.update(HAVEN_ENV="production", HAVEN_VAR_DIR=str(tmp_path), HAVEN_ALLOWED_HOSTS="x.example")
    code = "from django.conf import settings; print(settings.HAVEN_RECEIPT_KEY)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        result.stdout.strip().splitlines()[-1]
        == "file-secret-HAVEN_RECEIPT_KEY-0123456789abcdef0123456789abcdef"
    )
