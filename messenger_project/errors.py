"""Domain errors raised by services. Imports no DRF: each API maps them to its own error body."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A rule refused the operation; nothing was written.

    `code` is a stable snake_case identifier clients switch on (`thread_limit_reached`).
    `extra_codes` are further codes some clients read after the first (see client API §8).
    """

    def __init__(
        self,
        code: str,
        *,
        status_code: int = 400,
        message: str = "",
        extra_codes: tuple[str, ...] = (),
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.status_code = status_code
        self.message = message or code
        self.extra_codes = extra_codes
        self.details = details or {}

    def __repr__(self) -> str:
        return f"ServiceError({self.code!r}, status_code={self.status_code})"
