"""The message catalogue: every id in both languages, with the same placeholders."""
from __future__ import annotations

import string

from engine.messages import LANGS, catalogue, lang_of, t


def _forms(entry):
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_both_languages_and_the_same_placeholders():
    for key, entry in catalogue().items():
        assert set(entry) == set(LANGS), key
        found = [{p for form in _forms(entry[lang]) for p in _placeholders(form)} for lang in LANGS]
        assert all(f == found[0] for f in found), f"{key}: placeholders differ between languages"


def test_plural_forms_follow_the_count():
    assert t("screen.rows_rejected", "es", count=1) == "1 fila rechazada"
    assert t("screen.rows_rejected", "es", count=3) == "3 filas rechazadas"
    assert t("screen.rows_rejected", "en", count=0) == "0 rows rejected"


def test_language_codes_from_users_and_headers():
    assert lang_of("en-US,en;q=0.9") == "en"
    assert lang_of("EN") == "en"
    assert lang_of("fr") == "es"
    assert lang_of(None) == "es"


def test_every_commitment_status_has_words_in_both_languages():
    from typing import get_args

    from engine.commitments import Status

    assert [t(f"commitment.status.{s}", "es") for s in get_args(Status)] == [
        "previsto", "cumplido", "parcial", "incumplido", "retirado"
    ]


def test_every_actor_kind_has_words_in_both_languages():
    from typing import get_args

    from engine.commitments import ActorKind

    words = {lang: {k: t(f"actor.kind.{k}", lang) for k in get_args(ActorKind)} for lang in LANGS}
    assert words["es"]["migrant_club"] == "club de migrantes" and words["en"]["un_agency"] == "UN agency"
    assert words["es"]["beneficiary_group"] == "población beneficiaria"


def test_people_and_groups_are_counted_each_by_its_own_number() -> None:
    from engine.messages import t

    pair = t("report.side.pair", "es", people=t("report.count.people", "es", count=6),
             groups=t("report.count.groups", "es", count=1))
    assert pair == "6 personas, 1 grupo"
    assert t("report.count.people", "en", count=1234) == "1,234 people"
    assert t("api.coverage.busy", "es", count=1).startswith("el servidor ya mide una cobertura")
