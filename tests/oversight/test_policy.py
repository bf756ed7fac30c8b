import pytest

from app.oversight import policy as pol


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category_threshold": 0}, "category_threshold"),
        ({"category_threshold": "3"}, "category_threshold"),
        ({"breach_rate": "1.5"}, "breach_rate"),
        ({"breach_rate": True}, "breach_rate"),
        ({"severity_weights": {"counterfeit": "-1"}}, "severity_weights"),
        ({"nonsense": 1}, "nonsense"),
    ],
)
def test_bad_policy_settings_are_refused_by_name(overrides, field) -> None:
    with pytest.raises(pol.PolicyInvalid) as err:
        pol.with_overrides(pol.Policy(), overrides)
    assert err.value.field == field


def test_policy_round_trips_as_strings() -> None:
    policy = pol.with_overrides(
        pol.Policy(), {"breach_rate": "0.25", "severity_weights": {"x": 2}}
    )
    data = pol.policy_to_dict(policy)
    assert data["breach_rate"] == "0.25" and data["severity_weights"] == {"x": "2"}
