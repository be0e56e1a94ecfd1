"""Compact list columns shared by the admins (#22: lists that fit a 1280 px screen)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html


def short_time(value) -> str:
    """ "2026-12-06 23:21" in the server's time zone ("—" for none): half the width of Django's default."""
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def wrapped(text: str):
    """Long text (a URL) that wraps anywhere in its cell."""
    return format_html('<span class="wrap-anywhere">{}</span>', text)
