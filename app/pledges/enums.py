"""Status and kind vocabularies of the registry."""

from enum import StrEnum


class EnterpriseKind(StrEnum):
    PLATFORM = "platform"
    PLATFORM_MERCHANT = "platform_merchant"
    MANUFACTURER = "manufacturer"
    RETAILER = "retailer"  # malls and supermarkets running their own shops
    RESTAURANT = "restaurant"
    OTHER = "other"


class CampaignScope(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"


class ParticipationStatus(StrEnum):
    RECOMMENDED = "recommended"
    APPROVED = "approved"
    REJECTED = "rejected"


class PledgeStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"
