"""Registry text made safe to show: markdown and HTML characters escaped."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def escape_markdown(text: object) -> str:
    """Registry text made inert for st.markdown/st.title: every markdown (and HTML) character escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
