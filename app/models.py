"""Every table, imported once so that Alembic and create_all see the whole schema."""
from app.auth.models import Invitation, LoginSession, Organization, OrganizationField, User  # noqa: F401
from app.common.models import AuditEvent, JointDecision, OutboxEmail  # noqa: F401
