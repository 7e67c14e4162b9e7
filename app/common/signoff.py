"""Joint sign-off: the one mechanism for decisions the partnership takes together.

A workflow registers an action once (what its subject is, what happens when both institutions
have signed, and who is conflicted), then calls ``request_decision``. Staff sign or reject on
the decisions page; the registered ``on_approved`` runs in the transaction of the second signature.
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup, escape
from sqlalchemy import Integer, and_, bindparam, false, func, not_, or_, select
from sqlalchemy.orm import joinedload

from app.common import audit
from app.common.errors import DomainError, PermissionDenied
from app.common.locking import lock
from app.common.models import DecisionState, Institution, JointDecision
from app.common.time import utcnow
from app.common.views import url_for_each
from app.extensions import db


@dataclass(frozen=True)
class DecisionAction:
    name: str
    model: type
    label: object  # a lazy translatable string
    on_approved: Callable[..., None]
    on_rejected: Callable[..., None] | None = None
    is_conflicted: Callable[..., bool] | None = None
    # Where the subject is shown: (endpoint, the endpoint's id argument); None for no page.
    subject_page: tuple[str, str] | None = None
    # Answers for a page of subjects what per-row predicates would ask one query at a time.
    preload_for: Callable[..., None] | None = None
    # The query form of is_conflicted: user -> SELECT of the subject ids the user is conflicted with
    # (it may be correlated with JointDecision.subject_id).
    conflicted_subject_ids: Callable[..., object] | None = None
    # Loader options for what the decisions page shows of a subject, loaded with the page's subjects.
    subject_options: tuple = ()
    # The rows to lock before the subject, in the application's lock order (a tranche's award): what
    # on_approved checks across the subject's siblings is then read under their parent's lock.
    lock_before: Callable[..., tuple] | None = None


_actions: dict[str, DecisionAction] = {}


def register_action(action: DecisionAction) -> None:
    _actions[action.name] = action


def action_for(decision: JointDecision) -> DecisionAction:
    return _actions[decision.action]


def load_subject(decision: JointDecision):
    preloaded = decision.__dict__.get("_preloaded_subject")
    if preloaded is not None:
        return preloaded
    return db.session.get(action_for(decision).model, decision.subject_id)


class _DecisionsPagination(Pagination):
    """Flask-SQLAlchemy's pagination (the pager it shows) of a page read by decisions_page."""

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]()


def decisions_page(state: DecisionState, user, *, page: int, per_page: int) -> Pagination:
    """A page of the decisions in ``state`` that no conflict of ``user``'s hides, the latest first, with
    the people who requested, signed or rejected them (joined: their names only). The total is counted
    when the page is full or past the end: a page with fewer rows ends the list."""
    statement, count = _decisions_statements(state, user)
    offset = (page - 1) * per_page
    decisions = list(db.session.scalars(statement, {"limit": per_page, "offset": offset}))

    def total() -> int:
        ends_the_list = 0 < len(decisions) < per_page or (page == 1 and not decisions)
        return offset + len(decisions) if ends_the_list else db.session.scalar(count)

    return _DecisionsPagination(page=page, per_page=per_page, max_per_page=None, error_out=False,
                                items=decisions, total=total)


_decisions_statements_built: dict[tuple, tuple] = {}


def _decisions_statements(state: DecisionState, user) -> tuple:
    """The page's statement (bound by limit and offset) and the count's, built once per state, reader and
    process (building the select, its loader options and its cache key cost more than sending it). The
    conflict rule of an action names the reader by id and organisation; the key holds them, and the
    actions' rules, so that registering an action builds anew."""
    key = (state, user.id, user.organization_id,
           tuple((action.name, action.model, action.conflicted_subject_ids) for action in _actions.values()))
    if key in _decisions_statements_built:
        return _decisions_statements_built[key]
    shown = (JointDecision.state == state, not_(conflicted_decisions_clause(user)))
    people = [joinedload(getattr(JointDecision, name)).lazyload("*") for name in  # their names only
              ("requested_by", "ipark_signed_by", "mss_signed_by", "rejected_by")]
    statement = (select(JointDecision).where(*shown).options(*people)
                 .order_by(JointDecision.created_at.desc(), JointDecision.id.desc())
                 .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
    count = select(func.count()).select_from(JointDecision).where(*shown)
    if len(_decisions_statements_built) >= 1024:
        _decisions_statements_built.clear()
    built = _decisions_statements_built[key] = (statement, count)
    return built


def decisions_among(ids) -> list[JointDecision]:
    """The decisions of ``ids`` that exist (to act on several at once)."""
    return list(db.session.scalars(select(JointDecision).where(JointDecision.id.in_(set(ids)))))


def preload_subjects(decisions, user=None) -> None:
    """Load the subjects of a page of decisions in one query per model, not one per decision (and
    what each action preloads for ``user``)."""
    wanted: dict[type, set[int]] = {}
    options: dict[type, tuple] = {}
    for decision in decisions:
        if decision.action in _actions:
            action = action_for(decision)
            wanted.setdefault(action.model, set()).add(decision.subject_id)
            options.setdefault(action.model, action.subject_options)
    loaded = {(model, subject.id): subject for model, ids in wanted.items()
              for subject in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options[model]))}
    for decision in decisions:
        if decision.action in _actions:
            # Held on the decision: the session's identity map keeps objects only weakly.
            decision._preloaded_subject = loaded.get((action_for(decision).model, decision.subject_id))
    if user is not None:
        # Once per model and preloader: the actions on one model share theirs (the reader's conflicts).
        preloads = {(action.model, action.preload_for) for action in
                    (action_for(decision) for decision in decisions if decision.action in _actions)
                    if action.preload_for is not None}
        for model, preload in preloads:
            preload([subject for (loaded_model, _), subject in loaded.items() if loaded_model is model], user)


def action_labels(decisions) -> dict[str, Markup]:
    """The label of each action of a page's decisions, translated once (a lazy label translates again
    each time it is shown), as the template would show it."""
    return {name: escape(_actions[name].label) for name in {decision.action for decision in decisions}}


def subject_urls(decisions, user) -> dict[int, str | None]:
    """subject_url of each of a page's decisions (by decision id), each kind of page's URL built once."""
    builders: dict[tuple[str, str], Callable[[int], str]] = {}
    urls = {}
    for decision in decisions:
        action = _actions.get(decision.action)
        subject = load_subject(decision) if action is not None and action.subject_page is not None else None
        if subject is None or not subject.can_view(user):
            urls[decision.id] = None
            continue
        if action.subject_page not in builders:
            builders[action.subject_page] = url_for_each(*action.subject_page)
        urls[decision.id] = builders[action.subject_page](decision.subject_id)
    return urls


def is_conflicted(decision: JointDecision, user) -> bool:
    action = _actions.get(decision.action)
    if action is None or action.is_conflicted is None:
        return False
    return action.is_conflicted(load_subject(decision), user)


def conflicted_decisions_clause(user):
    """SQL condition on JointDecision: decisions about a subject ``user`` declared a conflict with.
    A conflicted person sees nothing of them (not the decision, its note nor a rejection reason)."""
    if not user.is_authenticated:
        return false()
    clauses = []
    for model in {action.model for action in _actions.values()}:
        actions = [action for action in _actions.values() if action.model is model]
        rules = {action.conflicted_subject_ids for action in actions}
        if len(rules) == 1 and None not in rules:
            # Every action on this model hides by the same rule: one test by subject alone, which the
            # index of pending decisions (subject_type, subject_id) answers without reading the rows.
            clauses.append(and_(JointDecision.subject_type == model.__tablename__,
                                JointDecision.subject_id.in_(rules.pop()(user))))
        else:
            clauses += [and_(JointDecision.action == action.name,
                             JointDecision.subject_id.in_(action.conflicted_subject_ids(user)))
                        for action in actions if action.conflicted_subject_ids is not None]
    return or_(*clauses) if clauses else false()


class DecisionAlreadyOpen(DomainError):
    default_message = _l("A decision on this is already waiting for signatures.")


class DecisionNotPending(DomainError):
    default_message = _l("This decision has already been taken.")


class RejectionNeedsReason(DomainError):
    default_message = _l("Please give a reason for the rejection.")


def pending_decision(subject, action: str | None = None) -> JointDecision | None:
    """The decision waiting for signatures on this subject (of this action, if given)."""
    query = select(JointDecision).where(
        JointDecision.subject_type == subject.__tablename__,
        JointDecision.subject_id == subject.id,
        JointDecision.state == DecisionState.pending,
    )
    if action is not None:
        query = query.where(JointDecision.action == action)
    return db.session.scalar(query)


def request_decision(subject, action: str, *, actor, note: str | None = None) -> JointDecision:
    """Open a decision for both institutions to sign. Any participant of the workflow may ask.

    One open decision per subject, whatever its action: two institutions proposing different
    decisions at the same moment (shortlist and decline) would otherwise both be signed. The
    subject's row lock makes the second request wait for the first and then see it."""
    registered = _actions[action]
    if not isinstance(subject, registered.model):
        raise TypeError(f"{action} decides on {registered.model.__name__}, not {type(subject).__name__}")
    lock(subject)
    if pending_decision(subject) is not None:
        raise DecisionAlreadyOpen()
    decision = JointDecision(subject_type=subject.__tablename__, subject_id=subject.id,
                             action=action, requested_by_id=actor.id, note=note)
    db.session.add(decision)
    db.session.flush()
    audit.record(actor, "decision.requested", decision, to_state=DecisionState.pending,
                 action=action, subject_type=decision.subject_type, subject_id=subject.id)
    return decision


def _lock(decision: JointDecision) -> None:
    """Lock the decision's subject, then the decision (the one lock order: a subject before its
    decisions, as withdrawing a proposal does), and re-read both. Two signatures arriving at the same
    moment are taken one after the other: the second sees the first and completes the decision."""
    subject = load_subject(decision)
    if subject is not None:
        before = action_for(decision).lock_before
        lock(*(before(subject) if before is not None else ()), subject)
    lock(decision)


def sign_decision(decision: JointDecision, *, actor) -> None:
    """Add the actor's institution's signature; the second signature makes the decision take effect."""
    _lock(decision)
    if decision.state != DecisionState.pending:
        raise DecisionNotPending()
    if not decision.can_sign(actor):
        raise PermissionDenied()
    now = utcnow()
    if actor.institution == Institution.ipark:
        decision.ipark_signed_by_id, decision.ipark_signed_at = actor.id, now
    else:
        decision.mss_signed_by_id, decision.mss_signed_at = actor.id, now
    audit.record(actor, "decision.signed", decision, institution=str(actor.institution),
                 action=decision.action)
    if decision.ipark_signed_at and decision.mss_signed_at:
        decision.state = DecisionState.approved
        decision.decided_at = now
        audit.record(actor, "decision.approved", decision, from_state=DecisionState.pending,
                     to_state=DecisionState.approved, action=decision.action)
        action_for(decision).on_approved(load_subject(decision), decision=decision, actor=actor)
    db.session.flush()


def reject_decision(decision: JointDecision, *, actor, reason: str) -> None:
    """Either institution may stop a decision, with a reason that both sides can read."""
    _lock(decision)
    if decision.state != DecisionState.pending:
        raise DecisionNotPending()
    if not decision.can_reject(actor):
        raise PermissionDenied()
    if not reason or not reason.strip():
        raise RejectionNeedsReason()
    decision.state = DecisionState.rejected
    decision.rejected_by_id = actor.id
    decision.rejected_at = decision.decided_at = utcnow()
    decision.rejection_reason = reason.strip()
    audit.record(actor, "decision.rejected", decision, from_state=DecisionState.pending,
                 to_state=DecisionState.rejected, action=decision.action, reason=decision.rejection_reason)
    registered = action_for(decision)
    if registered.on_rejected is not None:
        registered.on_rejected(load_subject(decision), decision=decision, actor=actor)
    db.session.flush()


def withdraw_pending(subject, *, actor, reason: str) -> None:
    """The subject left the workflow (a proposal withdrawn by its venture): decisions waiting for
    signatures on it lapse, recorded as rejected by the one who withdrew it, with the reason.
    The caller has locked the subject; its decisions are locked after it."""
    decisions = db.session.scalars(select(JointDecision).where(
        JointDecision.subject_type == subject.__tablename__, JointDecision.subject_id == subject.id,
        JointDecision.state == DecisionState.pending).with_for_update())
    for decision in decisions:
        decision.state = DecisionState.rejected
        decision.rejected_by_id = actor.id
        decision.rejected_at = decision.decided_at = utcnow()
        decision.rejection_reason = reason
        audit.record(actor, "decision.withdrawn", decision, from_state=DecisionState.pending,
                     to_state=DecisionState.rejected, action=decision.action, reason=reason)
    db.session.flush()
