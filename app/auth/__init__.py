from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.record_once
def _refuse_untrusted_hosts(state) -> None:
    from app.auth import hosts

    hosts.install(state.app)


from app.auth import routes  # noqa: E402,F401
