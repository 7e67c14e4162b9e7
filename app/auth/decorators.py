"""View decorators: who may open a page. Each asks a predicate on the user; the rule lives there."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.common.models import OutboxEmail


def requires(allowed):
    """Signed-in users for whom ``allowed(user)`` holds; 403 for the others."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = requires(lambda user: user.can_use_staff_pages)
admin_required = requires(lambda user: user.is_admin)
outbox_required = requires(OutboxEmail.can_manage)
