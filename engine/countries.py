"""Country codes (ISO 3166-1 alpha-2) and their names, from fixtures/countries/iso3166-1.csv.

Where a group states a country in free text (the country a project's proposer is organised
in), the code is checked against this list: `mx` and `Mx` mean MX, and a code that is no
country (`XX`, a control character, an emoji) is refused instead of being read as "abroad".
"""

from __future__ import annotations

import csv
from functools import cache

from engine import FIXTURES_DIR

COUNTRIES_CSV = FIXTURES_DIR / "countries" / "iso3166-1.csv"


@cache
def countries() -> dict[str, dict[str, str]]:
    """code -> {"es": Spanish name, "en": English name}, in code order."""
    with open(COUNTRIES_CSV, newline="", encoding="utf-8") as f:
        return {row["code"]: {"es": row["name_es"], "en": row["name_en"]} for row in csv.DictReader(f)}


def country_code(text: str) -> str:
    """`text` as an ISO 3166-1 alpha-2 code (any letter case, surrounding spaces ignored); a
    ValueError that says what to write when it is not one."""
    code = text.strip().upper()
    if code in countries():
        return code
    shown = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    raise ValueError(
        f"`{shown}` is not an ISO 3166-1 alpha-2 country code: write two letters such as US, CA or ES"
    )
