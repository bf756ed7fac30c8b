from sqlalchemy import select

from app.accounts import auth
from app.accounts.models import ApiToken, User
from app.extensions import db
from tests import builders as b


def test_users_create_for_each_role_and_tokens_create_prints_the_token_last(
    app, client
) -> None:
    org = b.organisation("association", name="郑州市消费者协会")
    ent = b.enterprise("北京三快在线科技有限公司")
    runner = app.test_cli_runner()
    res = runner.invoke(
        args=[
            "users",
            "create",
            "a@x.cn",
            "--role",
            "association",
            "--org",
            "郑州市消费者协会",
            "--password",
            "pw-123456",
        ]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        args=["users", "create", "e@x.cn", "--role", "enterprise", "--org", str(ent.id)]
    )
    assert res.exit_code == 0, res.output
    user = db.session.scalar(select(User).where(User.email == "a@x.cn"))
    assert user.organisation_id == org.id and user.password_hash.startswith(
        "$argon2id$"
    )
    res = runner.invoke(args=["tokens", "create", "a@x.cn", "--name", "system"])
    assert res.exit_code == 0
    token = res.output.strip().splitlines()[-1]
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == auth.hash_token(token))
    )
    assert row is not None and row.name == "system"
    assert token not in (row.token_hash, row.prefix)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["role"] == "association"


def test_users_create_refuses_a_role_without_its_organisation(app) -> None:
    runner = app.test_cli_runner()
    res = runner.invoke(
        args=["users", "create", "r@x.cn", "--role", "regional_regulator"]
    )
    assert res.exit_code != 0 and "--org" in res.output
    assert db.session.scalar(select(User).where(User.email == "r@x.cn")) is None
