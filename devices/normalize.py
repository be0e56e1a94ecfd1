"""Email and phone normalisation of the integration API (§3.2): one place for every family."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_PHONE_NOISE = re.compile(r"[\s\-.()\[\]]")
EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 32


class InvalidIdentifier(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def email_normalize(value: str, *, skip_validation: bool = False) -> str:
    email = value.strip()
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidIdentifier("too_long", f"must be at most {EMAIL_MAX_LENGTH} characters")
    if not skip_validation:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidIdentifier("invalid_email", "is not a valid email address") from None
    return email


def phone_normalize(value: str, *, skip_validation: bool = False) -> str:
    """Spaces, dashes, dots and brackets go; a leading space is a `+` that a query string decoded."""
    raw = value.rstrip()
    if raw.startswith(" ") and raw.strip()[:1].isdigit():
        raw = "+" + raw.strip()
    if skip_validation:
        phone = raw.strip()
        if len(phone) > PHONE_MAX_LENGTH:
            raise InvalidIdentifier("too_long", f"must be at most {PHONE_MAX_LENGTH} characters")
        return phone
    phone = _PHONE_NOISE.sub("", raw)
    if not E164.match(phone):
        raise InvalidIdentifier("invalid_phone", "must be an E.164 number such as +31201234567")
    return phone
