"""Help text wraps between words only: a choice such as ``on-hold`` or ``entered-in-error``
is never split at its hyphen.

click wraps help with a ``textwrap.TextWrapper`` subclass that breaks on hyphens; click's
``wrap_text`` looks that class up on each call, so swapping in one that keeps hyphenated words
whole changes every help screen and nothing else. If a future click moves the class, help
falls back to click's own wrapping.
"""

from __future__ import annotations

from typing import Any

from click import _textwrap


class _WholeWordWrapper(_textwrap.TextWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["break_on_hyphens"] = False
        super().__init__(*args, **kwargs)


def keep_hyphenated_words_whole() -> None:
    if isinstance(getattr(_textwrap, "TextWrapper", None), type) and not issubclass(
        _textwrap.TextWrapper, _WholeWordWrapper
    ):
        _textwrap.TextWrapper = _WholeWordWrapper  # type: ignore[misc]
