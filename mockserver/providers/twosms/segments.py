"""How many SMS segments a text needs: GSM-7 (160 / 153 per part) or else UCS-2 (70 / 67)."""

from __future__ import annotations

import math

# GSM 03.38 basic character set, and the extension table (each costs two septets).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def segments(text: str) -> int:
    """Segments of one SMS carrying `text` (an empty text still costs one)."""
    if is_gsm7(text):
        septets = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2  # UCS-2 counts UTF-16 code units
    return 1 if units <= 70 else math.ceil(units / 67)
