"""The first run explains itself (#22): `/` is a landing page of links, `manage.py seed_demo` (what `make run` calls)
prints a banner with every URL, the login and a working demo API key, and the migration step is quiet."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from agents.demo import DEMO_ACCOUNT
from agents.models import Account, ApiKey
from agents.services import api_key_create
from conversations.models import Conversation
from tests.factories import make_account

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def banner_key(banner: str) -> str:
    match = re.search(r"API key:\s+(sk_live_\S+)", banner)
    assert match, banner
    return match.group(1)


# The landing page


def test_landing_page_links_the_desk_the_admin_the_demo_and_the_api_docs(client):
    seed()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for href in ("/desk/", "/admin/", "/demo/", "/api/docs/", "/api/redoc/"):
        assert f'href="{href}"' in html
    # Our own CSS only, allowed by the page's policy through this request's nonce.
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert "http://" not in html and "https://" not in html  # no external asset


def test_landing_page_shows_no_secret():
    banner = seed()
    account = Account.objects.get(name=DEMO_ACCOUNT)
    html = Client().get("/").content.decode()
    for secret in (
        banner_key(banner),
        "demo-password",
        account.identification,
        account.authorization_secret,
        account.shared_secret,
        "sk_live_",
    ):
        assert secret not in html


def test_landing_page_without_demo_data_leaves_the_demo_link_out(client, settings):
    settings.DEBUG = False
    make_account()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/demo/"' not in html and "make run" not in html
    assert 'href="/desk/"' in html and 'href="/admin/"' in html and 'href="/api/docs/"' in html


def test_landing_page_answers_only_safe_methods(client):
    assert client.post("/").status_code == 405


# The banner of seed_demo


def test_seed_demo_prints_every_url_the_login_the_identification_and_a_working_api_key(client):
    banner = seed("--url", "http://0.0.0.0:9000/")
    account = Account.objects.get(name=DEMO_ACCOUNT)
    for url in ("/", "/desk/", "/admin/", "/demo/", "/api/docs/"):
        assert re.search(rf"http://0\.0\.0\.0:9000{url}\s", banner), url
    assert "admin / demo-password" in banner
    assert account.identification in banner and account.app_id in banner
    assert 'The login "admin" is the demo agent "Sanne"' in banner
    # The key authenticates against the integration API.
    key = banner_key(banner)
    response = client.get("/api/v2/conversations", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.content
    assert response.json()["page"]["totalElements"] == Conversation.objects.filter(account=account).count()
    assert client.get("/api/v2/conversations", headers={"Authorization": "Bearer sk_live_wrong"}).status_code == 401


def test_seed_demo_twice_keeps_the_data_and_rotates_the_one_demo_key(client):
    first = banner_key(seed())
    conversations = Conversation.objects.count()
    second = banner_key(seed())
    assert first != second
    assert Conversation.objects.count() == conversations  # the history is made once
    assert Account.objects.filter(name=DEMO_ACCOUNT).count() == 1
    assert ApiKey.objects.filter(name="Demo key", revoked_at__isnull=True).count() == 1
    headers = {"Authorization": f"Bearer {second}"}
    assert client.get("/api/v2/conversations", headers=headers).status_code == 200
    assert client.get("/api/v2/conversations", headers={"Authorization": f"Bearer {first}"}).status_code == 401


def test_seed_demo_leaves_other_accounts_keys_alone():
    other = make_account()
    kept, _ = api_key_create(account=other, name="Demo key")
    seed()
    seed()
    kept.refresh_from_db()
    assert kept.revoked_at is None


# The quiet migration step of `make run`


def test_make_runs_migrate_quietly_and_prints_no_raw_shell_lines():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^migrate: install\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert recipe == "\t@$(BIN)/python manage.py migrate --noinput -v 0\n"
    run = re.search(r"^run: migrate\n((?:\t.*\n)+)", makefile, re.M).group(1)
    commands = [line for line in run.splitlines() if not line.startswith("\t ")]  # a continued line starts "\t  "
    assert commands and all(line.startswith("\t@") for line in commands)
    assert "seed_demo --url http://$(HOST):$(PORT)" in run


def test_the_migrate_command_make_calls_prints_nothing_on_a_fresh_database(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
