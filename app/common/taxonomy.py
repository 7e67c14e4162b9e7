"""Fixed vocabularies shared by organisations and challenges, with their translated labels."""
from functools import lru_cache

from babel import Locale
from flask_babel import lazy_gettext as _l

from app.common.catalog import locale_name
from app.common.enums import LabelledEnum


class Field(LabelledEnum):
    ai_drug_discovery = "ai_drug_discovery", _l("AI drug discovery")
    target_identification = "target_identification", _l("Target identification")
    clinical_development = "clinical_development", _l("Clinical development")
    cell_gene_therapy = "cell_gene_therapy", _l("Cell and gene therapy")
    regenerative_medicine = "regenerative_medicine", _l("Regenerative medicine")
    diagnostics = "diagnostics", _l("Diagnostics")
    digital_health = "digital_health", _l("Digital health")
    bioinformatics = "bioinformatics", _l("Bioinformatics")
    medical_devices = "medical_devices", _l("Medical devices")
    cellular_agriculture = "cellular_agriculture", _l("Cellular agriculture")


# The partnership's countries first; any ISO 3166 code is accepted.
COUNTRY_CODES = ("JP", "KR", "US", "GB", "DE", "FR", "CH", "SG", "TW", "CN")


def country_name(code: str) -> str:
    return _country_name(code, locale_name())


@lru_cache(maxsize=1024)
def _country_name(code: str, locale: str) -> str:
    return Locale.parse(locale).territories.get(code, code)


def country_choices() -> list[tuple[str, str]]:
    return [(code, country_name(code)) for code in COUNTRY_CODES]
