"""Dates (placeholder while the rules are written)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    value: str | None
    precision: str | None


def find_dates(text: str, published: str | None, lang: str = "ar") -> list[DateMention]:
    return []
