"""Settings from the environment, checked in real ``corridor`` processes.

Settings are read once per process, so each case starts the real console script
with its own environment and a temporary ``var/`` folder.
"""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CORRIDOR = Path(sys.executable).with_name("corridor")
# Variables of the calling environment that would leak into the cases below.
CONFIG_VARIABLES = (
    "DATABASE_URL",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "EMAIL_BACKEND",
    # Set by the browser tests' configuration; a deployment must not have it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
)
PRODUCTION_KEY = secrets.token_urlsafe(64)  # 86 characters, as a deployment would generate


def corridor(*args: str, var_dir: Path, **environment: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(CORRIDOR_VAR_DIR=str(var_dir), **environment)
    executable = str(CORRIDOR) if CORRIDOR.exists() else shutil.which("corridor")
    assert executable, "the corridor console script is not installed (pip install -e .)"
    return subprocess.run(
        [executable, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def python_in_corridor(
    code: str, *, var_dir: Path, **environment: str
) -> subprocess.CompletedProcess:
    return corridor("shell", "--no-imports", "-c", code, var_dir=var_dir, **environment)


def test_production_configuration_passes_check_deploy(tmp_path):
    result = corridor(
        "check",
        "--deploy",
        var_dir=tmp_path,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="corridor.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_flags_a_weak_secret_key(tmp_path):
    # The same command reports a problem when there is one: the pass above means something.
    result = corridor(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        var_dir=tmp_path,
        DEBUG="0",
        SECRET_KEY="short",
        ALLOWED_HOSTS="corridor.example.org",
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_without_secret_key_fails_loudly(tmp_path):
    result = corridor("check", var_dir=tmp_path, DEBUG="0", ALLOWED_HOSTS="corridor.example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr
    # Production never falls back to a generated key.
    assert not (tmp_path / "secret_key").exists()


def test_production_without_allowed_hosts_fails_loudly(tmp_path):
    result = corridor("check", var_dir=tmp_path, DEBUG="0", SECRET_KEY=PRODUCTION_KEY)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


def test_secret_key_is_read_from_secret_key_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(PRODUCTION_KEY + "\n", encoding="utf-8")
    result = python_in_corridor(
        "from django.conf import settings; print(settings.SECRET_KEY)",
        var_dir=tmp_path,
        DEBUG="0",
        ALLOWED_HOSTS="corridor.example.org",
        SECRET_KEY_FILE=str(key_file),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == PRODUCTION_KEY


def test_development_key_is_generated_once_and_kept(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = python_in_corridor(code, var_dir=tmp_path)
    second = python_in_corridor(code, var_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    assert (tmp_path / "secret_key").read_text(encoding="utf-8").strip() == key


def test_sqlite_file_database_runs_in_wal_mode(tmp_path):
    result = python_in_corridor(
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA journal_mode')\n"
        "    print(cursor.fetchone()[0])\n"
        "    cursor.execute('PRAGMA busy_timeout')\n"
        "    print(cursor.fetchone()[0])\n"
        "print(connection.settings_dict['NAME'])",
        var_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    journal_mode, busy_timeout, name = result.stdout.split()
    assert journal_mode == "wal"
    assert int(busy_timeout) >= 1000
    assert Path(name) == tmp_path / "corridor.sqlite3"
    assert (tmp_path / "corridor.sqlite3").exists()


@pytest.mark.parametrize("value, expected", [("0", "False"), ("false", "False"), ("1", "True")])
def test_debug_is_read_from_the_environment(tmp_path, value, expected):
    result = python_in_corridor(
        "from django.conf import settings; print(settings.DEBUG)",
        var_dir=tmp_path,
        DEBUG=value,
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="corridor.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
