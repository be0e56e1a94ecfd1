"""The message object of the client API (spec §4), shaped for the reading customer and their device.

Plain functions rather than DRF serializers: this runs for up to 50 messages on every poll.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from agents.models import Agent
from conversations.media_serving import agent_avatar_url
from conversations.models import Media, Receipt
from conversations.timeline import AuthorAgent, AuthorCustomer, MediaRef, TimelineItem
from devices.models import Customer, Device

BUTTON_TYPES = {"webUrl", "phoneNumber", "reply"}


def agent_object(agent: Agent | AuthorAgent, *, typing_since: int | None = None) -> dict[str, Any]:
    """`id` an int and `name` a string, always (iOS and Android fail otherwise); `isTyping` null or Unix seconds."""
    avatar = agent.avatar.name if isinstance(agent, Agent) else agent.avatar
    return {
        "id": agent.id,
        "name": agent.display_name or "",
        "avatar": agent_avatar_url(avatar) if avatar else None,
        "isTyping": typing_since,
    }


def _customer_as_agent(customer: Customer | AuthorCustomer) -> dict[str, Any]:
    """Another customer's message (a conversation between customers) reads as an agent message naming them."""
    return {
        "id": customer.number,
        "name": customer.display_name,
        "avatar": customer.photo_url or None,
        "isTyping": None,
    }


def media_path_parts(media: Media | MediaRef) -> tuple[str, str, str, str]:
    """(year, month, day, filename) of the stored file, numbers without zero padding (§4.5)."""
    path = PurePosixPath(media.file.name if isinstance(media, Media) else media.file_name)
    year, month, day = path.parent.parts[-3:]
    return str(int(year)), str(int(month)), str(int(day)), path.name


def media_path_id(media: Media | MediaRef) -> str:
    """The path form of a media id in message objects, and the upload id before v1.9."""
    year, month, day, filename = media_path_parts(media)
    return f"img/{media.account_id}/{year}/{month}/{day}/{filename}"


def media_object(media: Media | MediaRef, *, version: str = "1.9") -> dict[str, str]:
    year, month, day, filename = media_path_parts(media)
    data = {
        # Android and iOS drop the first two segments to build `media/{y}/{m}/{d}/{file}`.
        "id": media_path_id(media),
        "mimeType": media.mime_type,
        "year": year,
        "month": month,
        "day": day,
        "filename": filename,
        "description": media.original_name or filename,
    }
    if version < "1.8":  # `filename` arrived with v1.8
        del data["filename"]
    return data


def _buttons(buttons: list[dict], device_type: int | None) -> list[dict[str, str]]:
    shaped = []
    for button in buttons or []:
        kind, payload = button.get("type"), str(button.get("payload") or "")
        if kind not in BUTTON_TYPES:
            continue
        if kind == "phoneNumber" and device_type == Device.Type.WEB and not payload.startswith("tel:"):
            payload = "tel:" + payload
        shaped.append({"title": str(button.get("title") or payload), "payload": payload, "type": kind})
    return shaped


def _carousel(items: list[dict], device_type: int | None) -> list[dict[str, Any]]:
    return [
        {
            "title": item.get("title"),
            "message": item.get("message"),
            "media": None,
            "buttons": _buttons(item.get("buttons", []), device_type),
        }
        for item in items or []
    ]


def message_object(item: TimelineItem, *, version: str, device_type: int | None) -> dict[str, Any]:
    media = item.media
    media_data = media_object(media, version=version) if media is not None else None
    if item.type_id in (Receipt.TypeId.USER, Receipt.TypeId.USER_SYSTEM) or item.author_kind == "system":
        agent = None
    elif item.author_agent is not None:
        agent = agent_object(item.author_agent)
    elif item.author_customer is not None:
        agent = _customer_as_agent(item.author_customer)
    else:
        agent = None
    data: dict[str, Any] = {
        "id": item.message_id,
        "time": max(1, item.time),
        "message": item.text or None,
        "image": media_data["id"] if media_data and media.is_image else None,
        "typeId": item.type_id,
        "agent": agent,
        "title": item.title or None,
        "media": media_data,
        "buttons": _buttons(item.buttons, device_type) if item.buttons else [],
        "carousel": _carousel(item.carousel, device_type) if item.carousel else [],
        "quickReplies": [str(q) for q in item.quick_replies or []],
        "custom": item.custom or [],
    }
    if version >= "1.9":
        data["status"] = item.status
    return data
