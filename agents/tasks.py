"""Where earlier releases queued delivery attempts: a task queued under this path before an upgrade still runs."""

from agents.delivery.queue import delivery_attempt_task

__all__ = ["delivery_attempt_task"]
