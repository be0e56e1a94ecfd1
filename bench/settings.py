"""The production settings plus the bench-only app and URLs (`/bench/write`, the write ceiling)."""

from messenger_project.settings import *  # noqa: F403
from messenger_project.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
