"""Fixed vocabularies shared by organisations and challenges, with their translated labels."""
import enum

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l


class Field(enum.StrEnum):
    ai_drug_discovery = "ai_drug_discovery"
    target_identification = "target_identification"
    clinical_development = "clinical_development"
    cell_gene_therapy = "cell_gene_therapy"
    regenerative_medicine = "regenerative_medicine"
    diagnostics = "diagnostics"
    digital_health = "digital_health"
    bioinformatics = "bioinformatics"
    medical_devices = "medical_devices"
    cellular_agriculture = "cellular_agriculture"


FIELD_LABELS = {
    Field.ai_drug_discovery: _l("AI drug discovery"),
    Field.target_identification: _l("Target identification"),
    Field.clinical_development: _l("Clinical development"),
    Field.cell_gene_therapy: _l("Cell and gene therapy"),
    Field.regenerative_medicine: _l("Regenerative medicine"),
    Field.diagnostics: _l("Diagnostics"),
    Field.digital_health: _l("Digital health"),
    Field.bioinformatics: _l("Bioinformatics"),
    Field.medical_devices: _l("Medical devices"),
    Field.cellular_agriculture: _l("Cellular agriculture"),
}

# The partnership's countries first; any ISO 3166 code is accepted.
COUNTRY_CODES = ("JP", "KR", "US", "GB", "DE", "FR", "CH", "SG", "TW", "CN")


def country_name(code: str) -> str:
    return Locale.parse(str(get_locale())).territories.get(code, code)


def country_choices() -> list[tuple[str, str]]:
    return [(code, country_name(code)) for code in COUNTRY_CODES]
