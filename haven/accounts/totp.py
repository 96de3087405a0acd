"""How an authenticator app's secret is shown: as text to type, and as a QR code to scan.

The QR code is drawn here, as inline SVG made by segno (pure Python): it needs no network, no
script and no style attribute, so the strict Content Security Policy holds.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, as apps ask for it when typed in."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(uri: str) -> SafeString:
    code = segno.make(uri, error="m")
    svg = code.svg_inline(
        scale=4, border=4, dark="#0b0c0c", light="#ffffff", title=_("QR code for your app")
    )
    # segno escapes the title and the data it draws; nothing else of ours enters the markup.
    return mark_safe(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S308
