"""Settings come from the environment; production refuses to start without its secrets."""

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

PROJECT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "ENV_FILE": "/nonexistent/.env",
    "SECRET_KEY": "Zx8-vQ2rT6yU1iO9pA3sD7fG5hJ0kL4zX2cV8bN6mQwErTyUiOpAsDfGh",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "integrations.harver.com",
    "DJANGO_SETTINGS_MODULE": "harver_integration.settings",
}


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={**env, "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_passes_the_deployment_checklist_with_production_settings(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, tmp_path=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        pytest.param("SECRET_KEY", "Set the SECRET_KEY environment variable", id="secret-key"),
        pytest.param(
            "FIELD_ENCRYPTION_KEYS",
            "Set the FIELD_ENCRYPTION_KEYS environment variable",
            id="encryption-keys",
        ),
    ],
)
def test_it_refuses_to_start_without_a_secret_when_debug_is_off(tmp_path, missing, message):
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != missing}

    result = manage("check", env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert message in result.stderr


def test_makemigrations_check_needs_no_secret_on_a_fresh_clone(tmp_path):
    env = {
        name: value
        for name, value in PRODUCTION_ENV.items()
        if name not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS")
    }

    result = manage("makemigrations", "--check", "--dry-run", env=env, tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    # while a command that may use the secrets still refuses without them
    assert manage("check", env=env, tmp_path=tmp_path).returncode != 0


def test_it_refuses_a_short_secret_key(tmp_path):
    result = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": "short"}, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY must be set to at least 32 random characters." in result.stderr


def test_it_refuses_an_encryption_key_that_is_not_a_fernet_key(tmp_path):
    env = {**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": "not-a-key"}

    result = manage(
        "shell",
        "-c",
        "from harver_integration.crypto import encrypt; encrypt('x')",
        env=env,
        tmp_path=tmp_path,
    )

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key" in result.stderr


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        pytest.param({}, "600/60", id="default"),
        pytest.param({"ENGINE_RATE_LIMIT": "50/10"}, "50/10", id="set"),
    ],
)
def test_the_engine_rate_limit_comes_from_the_environment(tmp_path, environment, expected):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ENGINE_RATE_LIMIT)",
        env={**PRODUCTION_ENV, **environment},
        tmp_path=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_a_providers_settings_come_from_its_own_environment_variables(tmp_path):
    env = {**PRODUCTION_ENV, "WORKABLE_READ_TIMEOUT": "7.5", "WORKABLE_COMMENT_POLICY": "admin"}
    script = (
        "from django.conf import settings; "
        "print(settings.WORKABLE_READ_TIMEOUT, settings.WORKABLE_COMMENT_POLICY)"
    )

    result = manage("shell", "-c", script, env=env, tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "7.5 ['admin']"
