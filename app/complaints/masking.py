"""Masking of a complainant's personal data (phone, ID number, address).

Roles that do not need the data see it masked (138****1234); the full values
are shown only through a separate, audited read. Masking keeps enough to
recognise a record on the phone (the first three and last four digits of a
mobile number, the region prefix of an address) and nothing more.
"""

import re

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str | None) -> str | None:
    """Keep the first three and last four digits: 13812341234 -> 138****1234."""
    if not phone:
        return phone
    digits = "".join(_DIGITS.findall(phone))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86 country code before a mobile number
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(value: str | None) -> str | None:
    """Keep the first four and last four characters of an ID number."""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(address: str | None) -> str | None:
    """Keep the first six characters (province and city, usually)."""
    if not address:
        return address
    if len(address) <= 6:
        return "****"
    # House numbers can sit in the first characters: never show digits.
    return _DIGITS.sub("*", address[:6]) + "****"


def mask_name(name: str | None) -> str | None:
    """Keep the surname: 张小明 -> 张**."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"
