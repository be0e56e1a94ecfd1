"""Custom data merge rules shared by users and conversations (integration API §3.7)."""

from __future__ import annotations


def custom_merge(stored: dict, changes: dict | None) -> dict:
    """[S2] custom: merged per key, a None value deletes the key; None as a whole clears everything."""
    if changes is None:
        return {}
    merged = dict(stored)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
