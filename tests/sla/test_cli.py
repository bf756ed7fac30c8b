from flask import Flask
from flask.testing import FlaskCliRunner

from app.sla.cli import cli


def _runner() -> FlaskCliRunner:
    # A bare app with only this group: the full factory is not needed here.
    app = Flask(__name__)
    app.cli.add_command(cli)
    return app.test_cli_runner()


def _run(*args: str) -> tuple[int, str, str]:
    result = _runner().invoke(args=["calendar", *args])
    return result.exit_code, result.stdout, result.stderr


def test_deadline_prints_the_nth_working_day_after_start() -> None:
    assert _run("deadline", "2021-04-30", "10") == (0, "2021-05-18\n", "")


def test_deadline_for_a_start_on_a_holiday_counts_from_the_next_day() -> None:
    assert _run("deadline", "2021-05-01", "7") == (0, "2021-05-13\n", "")


def test_deadline_in_calendar_days_rolls_only_with_roll() -> None:
    assert _run("deadline", "2021-04-28", "7", "--calendar-days")[1] == "2021-05-05\n"
    rolled = _run("deadline", "2021-04-28", "7", "--calendar-days", "--roll")
    assert rolled[1] == "2021-05-06\n"


def test_roll_without_calendar_days_is_a_usage_error() -> None:
    code, _, err = _run("deadline", "2021-04-28", "7", "--roll")
    assert code == 2
    assert "--calendar-days" in err


def test_deadline_into_an_uncovered_year_fails_naming_the_year() -> None:
    code, out, err = _run("deadline", "2026-12-28", "10")
    assert code != 0
    assert out == ""
    assert "2027" in err


def test_bad_date_fails_with_the_expected_format() -> None:
    for bad in ("2021-4-30", "2021-02-30", "20210430", "yesterday"):
        code, out, err = _run("deadline", bad, "7")
        assert code != 0
        assert out == ""
        assert "YYYY-MM-DD" in err


def test_is_workday_answers_yes_for_a_make_up_saturday_and_no_for_a_holiday() -> None:
    assert _run("is-workday", "2021-05-08") == (0, "yes\n", "")
    assert _run("is-workday", "2021-05-03") == (0, "no\n", "")


def test_is_workday_fails_for_an_uncovered_year() -> None:
    code, out, err = _run("is-workday", "2027-01-04")
    assert code != 0
    assert out == ""
    assert "2027" in err


def test_deadline_and_is_workday_read_the_overrides_in_the_database(app) -> None:
    from datetime import date

    from app.extensions import db
    from app.sla.models import CalendarOverrideDay

    db.session.add(
        CalendarOverrideDay(day=date(2021, 5, 10), is_workday=False, reason="停工")
    )
    db.session.commit()
    runner = app.test_cli_runner()
    # Without the override the 7th working day would be 05-13.
    result = runner.invoke(args=["calendar", "deadline", "2021-04-30", "7"])
    assert (result.exit_code, result.stdout) == (0, "2021-05-14\n")
    result = runner.invoke(args=["calendar", "is-workday", "2021-05-10"])
    assert (result.exit_code, result.stdout) == (0, "no\n")


def test_sla_sweep_and_deliver_run_one_job_now_and_print_counts(app) -> None:
    from tests.sla.builders import file, sh

    file(sh(2021, 4, 30, 10))
    runner = app.test_cli_runner()
    swept = runner.invoke(args=["sla", "sweep"])
    assert swept.exit_code == 0, swept.output
    assert swept.stdout == "breached=1 breaches_recorded=1 at_risk=0 notices_queued=2\n"
    delivered = runner.invoke(args=["sla", "deliver"])
    assert delivered.exit_code == 0, delivered.output
    # Neither a webhook URL nor a mail server is configured in tests.
    assert delivered.stdout == "claimed=2 sent=0 retry=0 failed=0 skipped=2\n"
