"""Email and phone fields of the integration API's input, normalised as the customer records store them."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.exceptions import ValidationError

from devices.normalize import InvalidIdentifier
from messenger_project.integration_api.serializers import field_error


def identifiers_normalized(attrs: dict, rules: dict[str, tuple[Callable[..., str], bool]]) -> dict:
    """Normalise the email / phone fields named in `rules` ({field: (normalize, skip_validation)}) in place;
    every invalid one is a field error with the normaliser's code, all raised together."""
    errors = {}
    for name, (normalize, skip) in rules.items():
        if attrs.get(name):
            try:
                attrs[name] = normalize(attrs[name], skip_validation=skip)
            except InvalidIdentifier as exc:
                errors[name] = [field_error(str(exc), exc.code)]
    if errors:
        raise ValidationError(errors)
    return attrs
