"""Text inside XML (C-CDA, NCPDP SCRIPT): the one place values are escaped.

Markup characters become entities, control characters that XML 1.0 forbids are
dropped, so no generated name or note can break a document or inject elements.
"""

from __future__ import annotations

import re

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                       "\t": "&#9;"})


def text(value) -> str:
    """Element content."""
    if value is None:
        return ""
    return _FORBIDDEN.sub("", str(value)).translate(_TEXT)


def attr(value) -> str:
    """An attribute value (to go inside double quotes)."""
    if value is None:
        return ""
    return _FORBIDDEN.sub("", str(value)).translate(_ATTR)
