import pytest

from app.pledges import signing
from app.pledges.enums import PledgeStatus
from tests.builders import local


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (PledgeStatus.DRAFT, "sign", PledgeStatus.SIGNED),
        (PledgeStatus.SIGNED, "withdraw", PledgeStatus.WITHDRAWN),
        (PledgeStatus.DRAFT, "withdraw", PledgeStatus.WITHDRAWN),
        (PledgeStatus.SIGNED, "revoke", PledgeStatus.REVOKED),
    ],
)
def test_pledge_moves_along_its_lifecycle(start, action, end) -> None:
    assert signing.next_pledge_status(start, action) == end


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (PledgeStatus.SIGNED, "sign"),
        (PledgeStatus.DRAFT, "revoke"),
        (PledgeStatus.WITHDRAWN, "sign"),
        (PledgeStatus.REVOKED, "withdraw"),
    ],
)
def test_refuses_moves_the_lifecycle_does_not_allow(start, action) -> None:
    with pytest.raises(signing.RuleBroken) as err:
        signing.next_pledge_status(start, action)
    assert "Allowed" in err.value.message_en


def test_signing_before_the_start_is_on_time() -> None:
    check = signing.check_signing(
        local(2021, 4, 27, 23, 59), local(2021, 4, 28), override_recorded=False
    )
    assert check.allowed and not check.late


def test_signing_at_or_after_the_start_needs_an_override() -> None:
    at_start = signing.check_signing(
        local(2021, 4, 28), local(2021, 4, 28), override_recorded=False
    )
    assert at_start.late and not at_start.allowed
    later = signing.check_signing(
        local(2021, 5, 1), local(2021, 4, 28), override_recorded=True
    )
    assert later.late and later.allowed


def test_recommendation_cap_refuses_the_sixth_and_names_the_cap() -> None:
    signing.check_recommendation_cap(4, 5)
    with pytest.raises(signing.RuleBroken, match="cap of 5"):
        signing.check_recommendation_cap(5, 5)


@pytest.mark.parametrize("status", [None, PledgeStatus.DRAFT, PledgeStatus.WITHDRAWN])
def test_approval_needs_a_signed_pledge(status) -> None:
    with pytest.raises(signing.RuleBroken):
        signing.check_approval(status)
    signing.check_approval(PledgeStatus.SIGNED)
