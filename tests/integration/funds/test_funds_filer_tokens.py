"""Filing tokens on both databases, through the CLI: issued once, digest only, revocable."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.funds import filer_tokens
from jichi.funds.tables import funds_filer_token
from jichi.kernel.errors import JichiError

runner = CliRunner()


def test_the_cli_issues_a_token_only_its_digest_is_kept_and_revoke_ends_it(
    engine: Engine,
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    issued = runner.invoke(
        app, ["funds", "filer-token", "org-1", "--by", "pref-clerk", "--url", url]
    )
    assert issued.exit_code == 0, issued.output
    token = json.loads(issued.stdout)["token"]
    assert token.startswith(filer_tokens.TOKEN_PREFIX)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(funds_filer_token)).one()
        assert filer_tokens.authenticate(conn, "org-1", token) == "org-1"
    assert token not in str(tuple(stored)) and stored.token_hash == filer_tokens.digest(token)
    revoked = runner.invoke(
        app, ["funds", "filer-token", "org-1", "--by", "x", "--revoke", "--url", url]
    )
    assert json.loads(revoked.stdout) == {"organization_id": "org-1", "revoked": 1}
    with engine.connect() as conn, pytest.raises(JichiError) as caught:
        filer_tokens.authenticate(conn, "org-1", token)
    assert caught.value.code == "FND-080"
    bad = runner.invoke(app, ["funds", "filer-token", "org 1", "--by", "x", "--url", url])
    assert bad.exit_code == 2 and "FND-081" in bad.stderr


def test_a_token_opens_only_its_own_organisation(engine: Engine) -> None:
    token = filer_tokens.issue(engine, "org-1", by="pref-clerk")
    with engine.connect() as conn:
        for org, given in (("org-2", token), ("org-1", token[:-1]), ("org-1", "")):
            with pytest.raises(JichiError) as caught:
                filer_tokens.authenticate(conn, org, given)
            assert caught.value.code == "FND-080" and caught.value.field == "token"


def test_the_serve_command_refuses_a_bad_authority_code(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    answer = runner.invoke(app, ["funds", "serve", "--authority", "県/東京", "--url", url])
    assert answer.exit_code == 2 and "FND-082" in answer.stderr
