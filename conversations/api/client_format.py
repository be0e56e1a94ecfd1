"""The message object of the client API (spec §4), shaped for the reading customer and their device.

Plain functions rather than DRF serializers: this runs for up to 50 messages on every poll.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from agents.models import Agent
from conversations.models import Media, Message, Receipt
from devices.models import Customer, Device

BUTTON_TYPES = {"webUrl", "phoneNumber", "reply"}


def agent_object(agent: Agent, *, typing_since: int | None = None) -> dict[str, Any]:
    """`id` an int and `name` a string, always (iOS and Android fail otherwise); `isTyping` null or Unix seconds."""
    return {
        "id": agent.pk,
        "name": agent.display_name or "",
        "avatar": agent.avatar.url if agent.avatar else None,
        "isTyping": typing_since,
    }


def _customer_as_agent(customer: Customer) -> dict[str, Any]:
    """Another customer's message (a conversation between customers) reads as an agent message naming them."""
    return {
        "id": customer.number,
        "name": customer.display_name,
        "avatar": customer.photo_url or None,
        "isTyping": None,
    }


def media_path_parts(media: Media) -> tuple[str, str, str, str]:
    """(year, month, day, filename) of the stored file, numbers without zero padding (§4.5)."""
    path = PurePosixPath(media.file.name)
    year, month, day = path.parent.parts[-3:]
    return str(int(year)), str(int(month)), str(int(day)), path.name


def media_path_id(media: Media) -> str:
    """The path form of a media id in message objects, and the upload id before v1.9."""
    year, month, day, filename = media_path_parts(media)
    return f"img/{media.account_id}/{year}/{month}/{day}/{filename}"


def media_object(media: Media, *, version: str = "1.9") -> dict[str, str]:
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


def message_object(
    receipt: Receipt, *, version: str, device_type: int | None, status: int | None = None
) -> dict[str, Any]:
    message: Message = receipt.message
    media = message.media
    media_data = media_object(media, version=version) if media is not None else None
    if receipt.type_id in (Receipt.TypeId.USER, Receipt.TypeId.USER_SYSTEM) or message.author_kind == "system":
        agent = None
    elif message.author_agent is not None:
        agent = agent_object(message.author_agent)
    elif message.author_customer is not None:
        agent = _customer_as_agent(message.author_customer)
    else:
        agent = None
    data: dict[str, Any] = {
        "id": message.pk,
        "time": max(1, int(message.created_at.timestamp())),
        "message": message.text or None,
        "image": media_data["id"] if media_data and media.is_image else None,
        "typeId": receipt.type_id,
        "agent": agent,
        "title": message.title or None,
        "media": media_data,
        "buttons": _buttons(message.buttons, device_type),
        "carousel": _carousel(message.carousel, device_type),
        "quickReplies": [str(q) for q in message.quick_replies or []],
        "custom": message.custom or [],
    }
    if version >= "1.9":
        data["status"] = status or receipt.status
    return data
