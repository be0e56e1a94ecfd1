"""Content negotiation of both APIs: their clients send all sorts of Accept headers."""

from __future__ import annotations

from rest_framework.negotiation import BaseContentNegotiation


class FirstRendererNegotiation(BaseContentNegotiation):
    """Clients send all sorts of Accept headers; the answer is always the envelope (or the media bytes)."""

    def select_parser(self, request, parsers):
        content_type = request.content_type or ""
        for parser in parsers:
            if parser.media_type != "*/*" and content_type.startswith(parser.media_type):
                return parser
        return next((p for p in parsers if p.media_type == "*/*"), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
