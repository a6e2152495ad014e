"""The feedback protocol the core uses for progress, cancel and messages.

The core never imports Processing classes for this: Processing algorithms pass a
``processing_algs.base.FeedbackProgress``, scripts and tests may pass
``ConsoleFeedback`` or nothing.
"""
from __future__ import annotations

from typing import Protocol

from .log import logger


class Feedback(Protocol):
    def set_progress(self, percent: float) -> None: ...
    def is_canceled(self) -> bool: ...
    def info(self, message: str) -> None: ...
    def warning(self, message: str) -> None: ...


class Canceled(Exception):
    """Raised by the core when the user cancels a long job."""


class ConsoleFeedback:
    """Feedback that logs messages and never cancels."""

    def set_progress(self, percent: float) -> None:
        pass

    def is_canceled(self) -> bool:
        return False

    def info(self, message: str) -> None:
        logger.info(message)

    def warning(self, message: str) -> None:
        logger.warning(message)


class RecordingFeedback(ConsoleFeedback):
    """Feedback that also keeps every message in order (``messages``): for a summary shown at the end of a
    job, and for tests that assert what the user was told."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def info(self, message: str) -> None:
        self.messages.append(message)
        super().info(message)

    def warning(self, message: str) -> None:
        self.messages.append(message)
        super().warning(message)


class ProgressSlice:
    """Feedback for one step of a longer job: the step's 0–100 % fill ``[start, end]`` of the outer bar;
    cancel and messages pass through."""

    def __init__(self, outer: Feedback, start: float, end: float):
        self.outer, self.start, self.end = outer, start, end

    def set_progress(self, percent: float) -> None:
        self.outer.set_progress(self.start + (self.end - self.start) * percent / 100.0)

    def is_canceled(self) -> bool:
        return self.outer.is_canceled()

    def info(self, message: str) -> None:
        self.outer.info(message)

    def warning(self, message: str) -> None:
        self.outer.warning(message)


def ensure_feedback(feedback: Feedback | None) -> Feedback:
    return feedback if feedback is not None else ConsoleFeedback()


def check_canceled(feedback: Feedback) -> None:
    if feedback.is_canceled():
        raise Canceled("用户已取消")
