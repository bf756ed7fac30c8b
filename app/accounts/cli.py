"""`flask users`, `flask tokens` and `flask audit` commands."""

import click
from flask.cli import AppGroup

from app.accounts import audit, service
from app.accounts.access import SYSTEM
from app.accounts.roles import Role
from app.errors import DomainError

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")
audit_cli = AppGroup("audit", help="Check the audit trail.")


def _fail(err: DomainError) -> click.ClickException:
    detail = "; ".join(f"{k}: {v}" for k, v in err.errors.items())
    return click.ClickException(err.message_en + (f" ({detail})" if detail else ""))


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option(
    "--org",
    default=None,
    help="Organisation (or, for enterprise, enterprise) id or name.",
)
@click.option(
    "--password",
    default=None,
    help="Password for web sign-in (omit for token-only users).",
)
@click.option("--name", default=None)
def create_user(
    email: str, role: str, org: str | None, password: str | None, name: str | None
) -> None:
    """Create a user."""
    try:
        user = service.create_user(
            SYSTEM,
            data={
                "email": email,
                "role": role,
                "org": org,
                "password": password,
                "name": name,
            },
        )
    except DomainError as err:
        raise _fail(err) from err
    click.echo(f"created user {user.id} {user.email} ({user.role})")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli", help="A name to recognise the token by.")
def create_token(email: str, name: str) -> None:
    """Issue an API token; the token is printed on the last line."""
    try:
        user = service.find_user(email)
        row, token = service.create_token(SYSTEM, user, name=name)
    except DomainError as err:
        raise _fail(err) from err
    click.echo(f"token {row.id} '{row.name}' for {user.email} (shown once):")
    click.echo(token)


@audit_cli.command("verify")
def verify() -> None:
    """Walk the audit chain; exit 1 naming the first broken entry."""
    found = audit.verify()
    if found is not None:
        raise click.ClickException(
            f"audit chain broken at entry {found.seq}: {found.problem}"
        )
    click.echo("audit chain intact")
