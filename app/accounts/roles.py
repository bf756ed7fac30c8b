"""The five roles and what kind of organisation each belongs to."""

from enum import StrEnum


class Role(StrEnum):
    ASSOCIATION = "association"  # consumer association staff (消协)
    ENTERPRISE = "enterprise"  # an enterprise's designated complaint contact
    REGIONAL_REGULATOR = "regional_regulator"  # a region's commerce / market authority
    NATIONAL_REGULATOR = "national_regulator"
    ADMIN = "admin"


REGULATORS = frozenset({Role.REGIONAL_REGULATOR, Role.NATIONAL_REGULATOR})
