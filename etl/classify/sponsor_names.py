"""Sponsor name keys: a registered name cleaned of noise, and the key that joins its spellings.

Shared by the sponsor classifier (sponsors.py) and the sponsors.csv loader (vocabularies.py), so both
key names with the very same function."""

from __future__ import annotations

import re
import unicodedata

_LEGAL_SUFFIX = re.compile(
    r"[\s,]+(?:co\.?\s*,?\s*ltd\.?|company\s+limited|co\.?|ltd\.?|inc\.?|incorporated|llc|l\.l\.c\.?"
    r"|corp\.?|corporation|gmbh|ag|s\.?a\.?|s\.p\.a\.?|plc|limited|b\.v\.?|pty)\s*$",
    re.IGNORECASE,
)
_COUNTRY_SUFFIX = re.compile(
    r",\s*(?:china|p\.?\s?r\.?\s?china|people's republic of china|usa|u\.s\.a\.?|united states|germany"
    r"|italy|france|spain|japan|korea|south korea|taiwan|uk|united kingdom|canada|australia|israel"
    r"|netherlands|belgium|switzerland|sweden|denmark|austria|india|singapore|malaysia|thailand"
    r"|vietnam|brazil|russia)\.?\s*$",
    re.IGNORECASE,
)
_CREDENTIAL_SUFFIX = re.compile(
    r"[\s,]+(?:m\.?\s?d\.?|ph\.?\s?d\.?|m\.?sc\.?|mph|mbbs|frcp\w*)\s*$", re.IGNORECASE
)
_LEADING = re.compile(r"^(?:the|prof\.?|professor|dr\.?)\s+", re.IGNORECASE)
_KEY_STOPWORDS = frozenset(
    {"the", "of", "and", "at", "for", "inc", "ltd", "co", "llc", "corp", "corporation", "gmbh", "ag",
     "plc", "limited", "sa"}
)  # fmt: skip


def clean_sponsor_name(name: str) -> str:
    """The registered name without noise: spaces, leading 'The', credentials, country, legal suffix."""
    cleaned = re.sub(r"\s+", " ", name.replace("\u2019", "'")).strip()
    previous = None
    while previous != cleaned:
        previous = cleaned
        cleaned = _LEADING.sub("", cleaned)
        for pattern in (_CREDENTIAL_SUFFIX, _COUNTRY_SUFFIX, _LEGAL_SUFFIX):
            cleaned = pattern.sub("", cleaned).strip(" ,")
    return cleaned or name.strip()


def compute_sponsor_key(name: str) -> str:
    """Key that joins spellings differing in case, accents, punctuation and small words."""
    plain = unicodedata.normalize("NFKD", clean_sponsor_name(name)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", plain.lower().replace("&", " and ").replace("'s", "s"))
    return "".join(word for word in words if word not in _KEY_STOPWORDS)
