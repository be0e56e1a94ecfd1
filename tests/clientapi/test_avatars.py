"""Agents' avatars as the client API links them (`agent.avatar`): served, publicly, as the image they are (#18)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from tests.clientapi.helpers import agent_reply, png_bytes

pytestmark = pytest.mark.django_db


def test_the_avatar_an_agent_object_links_is_served_as_its_image(client, web, agent):
    agent.avatar.save("sanne.png", ContentFile(png_bytes((8, 8))))
    web.send("Hello")
    agent_reply(web, agent, "Hi!")

    linked = web.get("messages").json()["data"][0]["agent"]["avatar"]
    response = client.get(linked)

    assert linked.startswith("/media/avatars/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes((8, 8))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "public" in response["Cache-Control"]


def test_only_an_agents_avatar_and_only_an_image_is_served(client, agent):
    agent.avatar.save("notes.png", ContentFile(b"<script>alert(1)</script>"))

    assert client.get(agent.avatar.url).status_code == 404  # stored as an avatar, but not an image
    assert client.get("/media/avatars/2026/12/someone-else.png").status_code == 404
    assert client.get("/media/avatars/../../settings.py").status_code == 404
