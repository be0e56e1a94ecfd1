"""What the SDKs expect in a push (client API §7.2, §7.3), per push service and device type."""

from __future__ import annotations

import json

from devices.models import Device


def parley_message(*, message_id: int, type_id: int, title: str | None, body: str) -> dict:
    """A new message; `id` and `typeId` are JSON numbers (iOS reads them as ints)."""
    return {"type": "message", "object": {"id": message_id, "typeId": type_id, "title": title, "body": body}}


def parley_typing(*, started: bool, agent: dict) -> dict:
    name = "startTyping" if started else "stopTyping"
    return {"type": "event", "object": {"name": name, "body": {"agent": agent}}}


def parley_string(parley: dict) -> str:
    """The data key `parley` holds a JSON string whose `object` is a nested object (§7.2)."""
    return json.dumps(parley, separators=(",", ":"), ensure_ascii=False)


def fcm_message(*, token: str, device_type: int | None, parley: dict, alert: dict | None) -> dict:
    """The FCM HTTP v1 `message` (§7.3): data-only for Android (and web, generic); iOS gets an APNs alert too."""
    data = {"parley": parley_string(parley)}
    if device_type == Device.Type.IOS:
        return {
            "token": token,
            "data": data,
            "apns": {"headers": apns_headers(alert), "payload": {"aps": _aps(alert)}},
        }
    if alert:
        data["message"] = alert["body"]  # the Android SDK builds the visible notification from it
    return {"token": token, "data": data, "android": {"priority": "high"}}


def apns_payload(*, parley: dict, alert: dict | None) -> dict:
    """The body of a direct APNs push (push type 2): the alert, or a background push for events."""
    return {"aps": _aps(alert), "parley": parley_string(parley)}


def apns_headers(alert: dict | None) -> dict[str, str]:
    """An alert goes at once; a background push (events) at low priority, as Apple requires."""
    return {"apns-priority": "10" if alert else "5", "apns-push-type": "alert" if alert else "background"}


def _aps(alert: dict | None) -> dict:
    """iOS: the OS shows the alert; `content-available` hands the payload to the app (and alone: a silent push)."""
    aps: dict = {"content-available": 1}
    if alert:
        aps |= {"alert": {"title": alert["title"] or "", "body": alert["body"]}, "sound": "default"}
    return aps


def webhook_body(*, parley: dict, device: Device, identification: str) -> dict:
    """Push types 4 and 5 (Decision, §7.1): the `parley` object plus who it is for."""
    return {
        **parley,
        "deviceId": device.device_id,
        "pushToken": device.push_token,
        "accountIdentification": identification,
    }
