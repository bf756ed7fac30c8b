"""Vocabularies of a complaint record (12315 / 黑猫 fields)."""

from enum import StrEnum


class RequestType(StrEnum):
    """投诉要求: what the complainant asks for."""

    REFUND = "refund"
    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    OTHER = "other"


class Channel(StrEnum):
    WEB = "web"
    API = "api"
    IMPORT = "import"


class MessageKind(StrEnum):
    MESSAGE = "message"
    INFO_REQUEST = "info_request"  # pauses the enterprise's clock
    INFO_REPLY = "info_reply"  # resumes it
    PROPOSAL = "proposal"  # a proposed resolution
