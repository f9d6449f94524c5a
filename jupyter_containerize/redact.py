"""Remove credentials from text before it is logged, stored or shown."""

from __future__ import annotations

import re

# scheme://user:secret@host  or  scheme://token@host
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+(:[^/\s@]*)?@")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    text = _URL_CREDENTIALS.sub(r"\g<scheme>***@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
