"""Import every domain's models so metadata (and Alembic) sees all tables."""

from app.accounts import models as accounts_models
from app.pledges import models as pledges_models

__all__ = ["accounts_models", "pledges_models"]
