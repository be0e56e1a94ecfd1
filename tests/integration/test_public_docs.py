"""The integration API's public documentation: no internal notes, and its pages load nothing from other hosts."""

from __future__ import annotations

import re

from drf_spectacular.generators import SchemaGenerator

INTERNAL_NOTE = re.compile(r"§|\[S\d\]|\[[XP]\]|\bseed \d", re.IGNORECASE)


def _integration_part(schema: dict) -> list:
    """The integration operations, every component they reach, and the integration tags."""
    components = schema["components"]["schemas"]
    seen: set[str] = set()
    parts = [item for path, item in schema["paths"].items() if path.startswith("/api/")]
    parts += [tag for tag in schema.get("tags", []) if tag["name"].startswith("Integration API")]
    parts += list(schema.get("webhooks", {}).values())
    stack = list(parts)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if ref.startswith("#/components/schemas/") and name not in seen:
                seen.add(name)
                parts.append(components[name])
                stack.append(components[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return parts


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def test_the_integration_docs_carry_no_internal_notes():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    notes = [s for s in _strings(_integration_part(schema)) if INTERNAL_NOTE.search(s)]

    assert notes == []
