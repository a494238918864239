"""iCalendar (RFC 5545) feeds of sessions. Pure: sessions in, text out.

A client's feed names only the group and the room: never other members or staff notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class FeedItem:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    cancelled: bool = False


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, items: Iterable[FeedItem], now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Behavioral-health EMR//Schedule//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for item in items:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item.uid}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(item.starts_at)}",
            f"DTEND:{_stamp(item.ends_at)}",
            f"SUMMARY:{_escape(item.summary)}",
        ]
        if item.location:
            lines.append(f"LOCATION:{_escape(item.location)}")
        lines.append(f"STATUS:{'CANCELLED' if item.cancelled else 'CONFIRMED'}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
