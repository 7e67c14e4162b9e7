"""The named signals through which a lower domain reaches a higher one without importing it.

Layers point one way (docs/architecture.md): challenges cannot call proposals, common cannot call
auth. When something that happens below needs an answer or a reaction from above, the lower layer
sends one of these signals and the higher layer's receiver does its part. Receivers are connected
by the app factory (each domain's ``connect_signals()``), never at import time; connecting is
idempotent (blinker keys receivers by identity), so building many apps in one process runs each
reaction once.

Every receiver runs synchronously in the sender's transaction (the same session): it flushes,
never commits, exactly as if the sender had called it, so nothing changes for users.
"""
from blinker import Namespace

_signals = Namespace()

challenge_closed = _signals.signal("challenge-closed", doc="""\
A call reached its deadline and was closed. Sender: the Challenge, from
app.challenges.services.close_challenge, after the poster's members were told, inside the closing
transaction. Receiver: app.proposals.services.tell_proposers_the_call_closed (its ventures hear
that submitted proposals go to review and drafts can no longer be sent).""")

challenge_followers = _signals.signal("challenge-followers", doc="""\
Who follows a call from a higher domain: each receiver returns a SELECT of user ids. Sender: the
Challenge, from app.challenges.services.interested_users (the audience of a call's updates, answers,
cancellation and award), which adds them to those who accepted its NDA. Receiver:
app.proposals.services.proposers_following (members of ventures with a proposal under way).""")

proposal_selected = _signals.signal("proposal-selected", doc="""\
A joint decision selected a proposal. Sender: the Proposal, with ``decision`` and ``actor``, from
app.proposals.services.select_proposal, inside the transaction of the second signature, after the
venture was told. Receivers: none yet; funding (an award) and collaborations (the collaboration)
will open theirs here.""")

language_chosen = _signals.signal("language-chosen", doc="""\
A signed-in user picked a language in the switcher. Sender: the User, with ``locale``, from
app.common.routes.set_language, inside the request's transaction (the route commits). Receiver:
app.auth.services.remember_language (the profile keeps the choice; the cookie is common's).""")
