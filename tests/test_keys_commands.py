"""``manage.py create_keys``: the first key pair, its file modes, and never overwriting one.

The command runs as a real process, so its exit status and the umask it inherits are the ones an
administrator would see.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from haven.sealing.keystore import FileKeyStore


def create_keys(key_dir: Path, *args: str, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "create_keys", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "HAVEN_KEY_DIR": str(key_dir)},
        capture_output=True,
        text=True,
        umask=umask,
        timeout=60,
        check=False,
    )


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_it_creates_a_key_pair_and_makes_it_current(tmp_path):
    key_dir = tmp_path / "fresh"

    result = create_keys(key_dir)

    assert result.returncode == 0, result.stderr
    key_id = (key_dir / "current").read_text().strip()
    assert {p.name for p in key_dir.iterdir()} == {
        f"{key_id}.private",
        f"{key_id}.public",
        "current",
    }
    assert FileKeyStore(key_dir).current().key_id == key_id
    assert (
        FileKeyStore(key_dir).private_key(key_id).public_key
        == FileKeyStore(key_dir).current().public
    )
    assert result.stdout == f"Created key pair {key_id} in {key_dir}\n"


def test_the_private_key_file_is_readable_by_its_owner_only(tmp_path):
    key_dir = tmp_path / "fresh"

    create_keys(key_dir, umask=0o022)

    key_id = (key_dir / "current").read_text().strip()
    assert mode_of(key_dir / f"{key_id}.private") == 0o600
    assert mode_of(key_dir / f"{key_id}.public") == 0o644
    assert mode_of(key_dir) == 0o700


def test_the_private_key_file_is_owner_only_even_under_a_permissive_umask(tmp_path):
    key_dir = tmp_path / "fresh"

    create_keys(key_dir, umask=0o000)

    key_id = (key_dir / "current").read_text().strip()
    assert mode_of(key_dir / f"{key_id}.private") == 0o600


def test_if_missing_does_nothing_when_a_key_pair_exists(key_dir):
    before = {p.name: p.read_bytes() for p in key_dir.iterdir()}

    result = create_keys(key_dir, "--if-missing")

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert {p.name: p.read_bytes() for p in key_dir.iterdir()} == before


def test_if_missing_creates_the_pair_when_there_is_none(tmp_path):
    key_dir = tmp_path / "fresh"

    result = create_keys(key_dir, "--if-missing")

    assert result.returncode == 0, result.stderr
    assert FileKeyStore(key_dir).has_current() is True


def test_without_if_missing_it_refuses_to_replace_an_existing_key_pair(key_dir):
    before = {p.name: p.read_bytes() for p in key_dir.iterdir()}

    result = create_keys(key_dir)

    assert result.returncode == 1
    assert "A current key pair exists already; use rotate_keys to replace it." in result.stderr
    assert {p.name: p.read_bytes() for p in key_dir.iterdir()} == before


def test_it_refuses_when_the_current_key_is_damaged_rather_than_replacing_it(key_dir):
    current = (key_dir / "current").read_text().strip()
    (key_dir / f"{current}.public").write_text("damaged\n")
    before = {p.name: p.read_bytes() for p in key_dir.iterdir()}

    result = create_keys(key_dir, "--if-missing")

    assert result.returncode == 1
    assert f"{current}.public" in result.stderr
    assert {p.name: p.read_bytes() for p in key_dir.iterdir()} == before
