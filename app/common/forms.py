from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "ko": "한국어"}

# Most users are in Japan or Korea; list those first, then every other zone.
_FIRST_ZONES = ["Asia/Tokyo", "Asia/Seoul", "UTC"]
TIMEZONES = _FIRST_ZONES + sorted(z for z in available_timezones()
                                  if "/" in z and z not in _FIRST_ZONES and not z.startswith(("Etc/", "SystemV/")))


class LanguageSelect(SelectField):
    def __init__(self, label=_l("Language"), **kwargs):
        super().__init__(label, choices=list(LANGUAGE_NAMES.items()), **kwargs)


class TimezoneSelect(SelectField):
    def __init__(self, label=_l("Time zone"), **kwargs):
        super().__init__(label, choices=[(z, z.replace("_", " ")) for z in TIMEZONES], **kwargs)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
