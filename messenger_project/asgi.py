"""The ASGI application: the event streams (`/stream/…`) on their own handler, everything else on Django's.

`make run` serves the whole site with it (one process, the in-process live bus); in production a stream process
(`uvicorn messenger_project.asgi:application`) serves `/stream/` beside the WSGI processes that serve the rest.
"""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messenger_project.settings")

site = get_asgi_application()  # sets Django up

from messenger_project.event_stream import StreamHandler  # noqa: E402  (after Django is set up)

# WhiteNoise serves static files with a synchronous iterator, which Django's ASGI handler warns of on every file
# (`make run`; in production the stream process serves no static file).
warnings.filterwarnings("ignore", "StreamingHttpResponse must consume synchronous iterators", Warning)

STREAM_PREFIX = "/stream/"
streams = StreamHandler()


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"].startswith(STREAM_PREFIX):
        await streams(scope, receive, send)
    elif scope["type"] == "lifespan":  # nothing to start or stop
        while (message := await receive())["type"] != "lifespan.shutdown":
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
    else:
        await site(scope, receive, send)
