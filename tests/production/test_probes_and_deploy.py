"""Production serving: the probes, the deploy checklist, JSON logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-" + "x7Q2pL9zR4mN8vB3cK6" * 2,
    "ALLOWED_HOSTS": "chat.example.com",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_BEHIND_PROXY": "true",
}


# The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is for their process only: never part of a deployment.
BASE_ENV = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "LOG_FORMAT"}}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**BASE_ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_checklist_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_checklist_flags_the_development_secret_key():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""})

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_logs_are_one_json_object_per_line():
    script = "import logging, django; django.setup(); logging.getLogger('messenger.test').warning('hello %s', 'world')"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **BASE_ENV,
            **PRODUCTION_ENV,
            "DJANGO_SETTINGS_MODULE": "messenger_project.settings",
        },
    )

    [line] = [line for line in result.stderr.splitlines() if "messenger.test" in line]
    record = json.loads(line)
    assert (record["level"], record["logger"], record["message"]) == ("WARNING", "messenger.test", "hello world")
    assert "request_id" in record


def test_healthz_answers_while_the_process_is_up(client):
    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_checks_the_database_and_the_cache(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": True, "cache": True}}


@pytest.mark.parametrize(
    "backend", ["messenger_project.cache.RedisCache", "django.core.cache.backends.redis.RedisCache"]
)
def test_readyz_is_200_degraded_when_the_cache_is_unreachable(client, settings, backend):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:1/0"}}

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "checks": {"database": True, "cache": False}}


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz", headers={"X-Request-Id": "from-the-proxy-123"})

    assert len(first["X-Request-Id"]) == 36
    assert second["X-Request-Id"] == "from-the-proxy-123"
