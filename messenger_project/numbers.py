"""Numbers in paths, query strings and headers."""

MAX_ID = 2**63 - 1  # the largest id any database stores (bigint): larger ones name no row


def is_digits(value: str) -> bool:
    """Only 0-9. `str.isdigit()` alone also accepts "²" and other digits that `int()` refuses (a 500)."""
    return value.isascii() and value.isdigit()
