"""What a letter to a customer says, before it is queued (issue 14). Pure.

Each service writes its letters' words in its ``domain/letters.py`` (the survey link, the
S20 expiry notice, the Q26 outcome letter) as a :class:`LetterText` in the reader's
language; ``shared.letters`` queues it. A letter is written in the customer's language
when it is one we write in, else the branch's, else Simplified Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

LETTER_LANGUAGES = ("zh-Hans", "zh-Hant", "en")
DEFAULT_LANGUAGE = "zh-Hans"


@dataclass(frozen=True)
class LetterText:
    language: str
    subject: str
    text: str


def letter_language(preferred: str | None, fallback: str | None) -> str:
    """``preferred`` (the reader's) if we write in it, else ``fallback`` (the branch's)."""
    for candidate in (preferred, fallback):
        if candidate in LETTER_LANGUAGES:
            return candidate  # type: ignore[return-value]
    return DEFAULT_LANGUAGE
