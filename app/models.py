"""Import every domain's models so metadata (and Alembic) sees all tables."""

from app.accounts import models as accounts_models
from app.complaints import models as complaints_models
from app.oversight import models as oversight_models
from app.pledges import models as pledges_models
from app.rules import models as rules_models
from app.sla import models as sla_models

__all__ = [
    "accounts_models",
    "complaints_models",
    "oversight_models",
    "pledges_models",
    "rules_models",
    "sla_models",
]
