"""Who may do what: the caller as an `Actor`, role rules on endpoints, regions.

Authorisation lives in the service layer: services take the `Actor` and scope
every query to what it may see. The `allow` decorator only states which roles
may call an endpoint at all; another organisation's object is answered 404 by
the scoped query, so ids cannot be probed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from app.accounts.roles import REGULATORS, Role
from app.errors import Forbidden

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: Role
    organisation_id: int | None = None
    enterprise_id: int | None = None
    region_code: str | None = None

    @property
    def is_regulator(self) -> bool:
        return self.role in REGULATORS

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.NATIONAL_REGULATOR, Role.ADMIN)


# The actor of command-line and scheduler work: an admin with no organisation.
SYSTEM = Actor(user_id=None, role=Role.ADMIN)
ANY_ROLE = frozenset(Role)


def region_prefix(code: str) -> str:
    """Return the GB/T 2260 prefix that every code inside `code` starts with."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def region_contains(outer: str, inner: str | None) -> bool:
    """Say whether region `inner` lies inside (or is) region `outer`."""
    return inner is not None and inner.startswith(region_prefix(outer))


def allow(*roles: Role) -> Callable[[F], F]:
    """Let only these roles call the endpoint; the rule is also read by tests."""
    allowed = frozenset(roles)

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from app.accounts import auth

            actor = auth.current_actor()
            if actor.role not in allowed:
                raise Forbidden(
                    "当前角色无权执行此操作。",
                    f"The role {actor.role} may not do this.",
                )
            return func(*args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
