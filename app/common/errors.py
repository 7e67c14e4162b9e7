from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule of the domain said no. The message is translatable and safe to show."""

    default_message = _l("This action is not possible.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class InvalidTransition(DomainError):
    default_message = _l("This change is not possible in the current state.")


class PermissionDenied(DomainError):
    default_message = _l("You are not allowed to do this.")


def require_transition(transitions: dict, current, target) -> None:
    if target not in transitions.get(current, set()):
        raise InvalidTransition()
