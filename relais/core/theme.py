"""The town's theme: colours become CSS custom properties in one inline <style>.

The style text depends only on settings, so its hash is stable and goes into the
Content-Security-Policy instead of allowing inline styles in general.
"""

import base64
import hashlib
import re
from functools import cache

from django.conf import settings

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def contrast_with_white(hex_colour: str) -> float:
    """WCAG contrast ratio of white text on `hex_colour`."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)
    return 1.05 / (luminance + 0.05)


@cache
def theme_css() -> str:
    primary = settings.RELAIS["PRIMARY_COLOR"]
    accent = settings.RELAIS["ACCENT_COLOR"]
    if not _HEX.match(primary):
        primary = "#1d4e89"
    if not _HEX.match(accent):
        accent = "#b3261e"
    return f":root{{--primary:{primary};--accent:{accent}}}"


@cache
def theme_csp_hash() -> str:
    digest = hashlib.sha256(theme_css().encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"
