"""Enumerations that people read: each member carries its translatable label and, for states shown
as badges, the badge's Bootstrap colour.

    class ChallengeState(LabelledEnum):
        draft = "draft", _l("Draft"), "secondary"

``ChallengeState.draft`` is still the string "draft" (stored, compared and hashed as before);
``.label`` is a lazy string, translated each time it is shown, in the reader's language (through
app.common.catalog: looked up once per process and language)."""
import enum

from app.common.catalog import cached_lazy


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members are declared as ``value, label`` or ``value, label, badge``.

    A member equals its value and hashes as its name (enum.Enum's hash), so its name must be its
    value for plain strings to find members in sets and dictionaries; tests/common/test_enums.py
    checks every subclass."""

    def __new__(cls, value: str, label, badge: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = cached_lazy(label)
        member._badge = badge
        return member

    @property
    def label(self):
        """The member's name for people (a lazy string: str() translates it when it is shown)."""
        return self._label

    @property
    def badge(self) -> str | None:
        """The Bootstrap colour of the member's badge, where the member is shown as one."""
        return self._badge

    @property
    def css(self) -> str:
        """The class the templates put on the member's badge, next to ``badge``."""
        return f"text-bg-{self._badge}" if self._badge else ""

    @classmethod
    def choices(cls, members=None) -> list[tuple[str, object]]:
        """(value, label) pairs for a form's choices: every member in order, or ``members``."""
        return [(member.value, member.label) for member in (cls if members is None else members)]
