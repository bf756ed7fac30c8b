"""Which complaints a caller may see, as SQL conditions.

Associations see what their association filed; an enterprise contact sees
complaints against its enterprise; a regional regulator sees complaints
handled in its region or against enterprises registered there; national
regulators and admins see all.
"""

from typing import Any

from sqlalchemy import Select, false, or_, select

from app.accounts.access import Actor, region_prefix
from app.accounts.roles import Role
from app.complaints.models import Complaint
from app.pledges.models import Enterprise


def scoped(actor: Actor, stmt: Select[Any] | None = None) -> Select[Any]:
    """Restrict `stmt` (default: all complaints) to what `actor` may see."""
    stmt = stmt if stmt is not None else select(Complaint)
    if actor.sees_everything:
        return stmt
    if actor.role == Role.ASSOCIATION:
        if actor.organisation_id is None:
            return stmt.where(false())
        return stmt.where(Complaint.filer_org_id == actor.organisation_id)
    if actor.role == Role.ENTERPRISE:
        if actor.enterprise_id is None:
            return stmt.where(false())
        return stmt.where(Complaint.enterprise_id == actor.enterprise_id)
    if actor.role == Role.REGIONAL_REGULATOR and actor.region_code:
        prefix = region_prefix(actor.region_code)
        local_enterprises = select(Enterprise.id).where(
            Enterprise.region_code.startswith(prefix)
        )
        return stmt.where(
            or_(
                Complaint.region_code.startswith(prefix),
                Complaint.enterprise_id.in_(local_enterprises),
            )
        )
    return stmt.where(false())
