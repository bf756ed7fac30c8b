"""Oversight fixtures: the complaints suite's cast of users and its helpers.

The app, client and database come from tests/conftest.py; the factory registers
the oversight API and commands, and the complaints service calls the rollup
hooks itself, so these tests exercise the wiring as deployed.
"""

from tests.complaints.conftest import Cast, act, cast, file

__all__ = ["Cast", "act", "cast", "file"]
