"""The view helpers' promises that no single page shows on its own: a refusal keeps nothing, and in
bulk one refusal neither undoes nor spoils the others."""
import pytest
from werkzeug.exceptions import Forbidden

from app.auth.models import Organization
from app.common.errors import DomainError, PermissionDenied
from app.common.views import attempt, bulk_apply
from app.extensions import db


def rename(organization, name, *, refuse=None):
    """A service that changes its subject, then (with ``refuse``) says no."""
    organization.name_latin = name
    db.session.flush()
    if refuse is not None:
        raise refuse


def made(*organizations):
    db.session.commit()  # what each test starts from: a refusal's rollback must not take it away
    return organizations[0] if len(organizations) == 1 else organizations


def names(organizations) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Organization, organization.id).name_latin for organization in organizations]


def test_attempt_commits_what_the_service_did(app, make_organization):
    organization = made(make_organization("venture", name_latin="Before"))
    with app.test_request_context():
        outcome = attempt(lambda: rename(organization, "After"), refused=None)
    assert (outcome.done, names([organization])) == (True, ["After"])


def test_a_refusal_keeps_nothing_and_is_handed_over(app, make_organization):
    organization = made(make_organization("venture", name_latin="Before"))
    refusals = []
    with app.test_request_context():
        outcome = attempt(lambda: rename(organization, "After", refuse=DomainError("No.")), refused=refusals.append)
    assert (outcome.done, [str(refusal.message) for refusal in refusals]) == (False, ["No."])
    assert names([organization]) == ["Before"]


def test_a_permission_refused_by_the_service_is_403_unless_asked_otherwise(app, make_organization):
    organization = made(make_organization("venture", name_latin="Before"))
    with app.test_request_context():
        with pytest.raises(Forbidden):
            attempt(lambda: rename(organization, "After", refuse=PermissionDenied()))
        outcome = attempt(lambda: rename(organization, "After", refuse=PermissionDenied()), refused=None,
                          denied_is_403=False)
    assert outcome.done is False
    assert names([organization]) == ["Before"]


def test_bulk_one_refusal_undoes_only_itself(app, make_organization):
    first, refused, last = made(*(make_organization("venture", name_latin=f"Venture {n}") for n in range(3)))
    unknown = last.id + 1000

    def apply(organization):
        rename(organization, "Renamed", refuse=DomainError("Not this one.") if organization is refused else None)

    with app.test_request_context():
        outcome = bulk_apply([last.id, unknown, refused.id, first.id, first.id], [first, refused, last], apply,
                             name=lambda organization: organization.name_latin, visible=lambda organization: True)
        reasons = [str(reason) for reason in outcome.refused]
    assert [organization.id for organization in outcome.done] == [first.id, last.id]  # in id order, once each
    assert reasons == ["Venture 1: Not this one.", f"#{unknown}: not found"]
    assert names([first, refused, last]) == ["Renamed", "Venture 1", "Renamed"]


def test_bulk_leaves_alone_what_the_user_may_not_see_or_is_refused_before_trying(app, make_organization):
    hidden, declined = made(make_organization("venture", name_latin="Hidden"),
                            make_organization("venture", name_latin="D"))
    with app.test_request_context():
        outcome = bulk_apply([hidden.id, declined.id], [hidden, declined], lambda o: rename(o, "Renamed"),
                             name=str, visible=lambda organization: organization is not hidden,
                             refuse=lambda organization: "not yours")
        reasons = [str(reason) for reason in outcome.refused]
    assert (outcome.done, reasons) == ([], [f"#{hidden.id}: not found", "not yours"])
    assert names([hidden, declined]) == ["Hidden", "D"]
