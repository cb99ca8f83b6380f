"""``jichi jpki``: the CA (init, CRL), verifier registration and verification."""

from __future__ import annotations

from pathlib import Path

import typer
from cryptography import x509

from jichi.cli.auth import command_engine
from jichi.cli.output import fail, print_json
from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import ca, crl, verifiers
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.jpki.verify import load_certificate, ocsp_then_crl, verify
from jichi.store.engine import write_transaction

app = typer.Typer(help="公的個人認証 (JPKI): 認証局・失効リスト・OCSP・検証", no_args_is_help=True)
URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
CA_HELP = "認証局のディレクトリ（省略時は JICHI_JPKI_CA_DIR、なければ ./jpki-ca）"


def _ca_dir(directory: Path | None) -> tuple[Path, bytes]:
    default_dir, passphrase = ca.from_environment()
    return directory or default_dir, passphrase


@app.command("init-ca")
def init_ca(ca_dir: Path | None = typer.Option(None, "--ca-dir", help=CA_HELP)) -> None:
    """ルート認証局と署名用・利用者証明用の発行認証局を作ります（鍵は暗号化 PEM）."""
    directory, passphrase = _ca_dir(ca_dir)
    if not passphrase:
        typer.echo("JICHI_JPKI_CA_PASSPHRASE を設定してください。", err=True)
        raise typer.Exit(2)
    cas = ca.create(directory, passphrase)
    print_json({"directory": str(directory), "root": cas.root.cert.subject.rfc4514_string()})


@app.command("crl")
def publish_crl(
    out: Path = typer.Option(..., "--out", help="出力する CRL ファイル (PEM)"),
    profile: Purpose = typer.Option(Purpose.SIGN, "--profile", help="sign または auth"),
    every: float | None = typer.Option(None, "--every", help="この秒数ごとに発行し続ける"),
    ca_dir: Path | None = typer.Option(None, "--ca-dir", help=CA_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """失効リスト (CRL) を発行します（--every で定期発行）."""
    directory, passphrase = _ca_dir(ca_dir)
    try:
        cas = ca.load(directory, passphrase)
    except JichiError as error:
        raise fail(error) from None
    engine = command_engine(url)
    if every:
        crl.run_schedule(engine, cas, out, profile, every=every)
        return
    issued = crl.publish(engine, cas, out, profile)
    print_json(
        {
            "out": str(out),
            "profile": profile.value,
            "revoked": len(issued),
            "next_update": issued.next_update_utc.isoformat() if issued.next_update_utc else None,
        }
    )


@app.command("verifier-add")
def verifier_add(
    name: str = typer.Argument(..., help="検証者の名称"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """検証者を登録し、トークンを一度だけ表示します."""
    engine = command_engine(url)
    with write_transaction(engine) as conn:
        verifier_id, token = verifiers.register(conn, name)
    print_json({"verifier_id": verifier_id, "token": token})


@app.command("verify")
def verify_cert(
    cert: Path = typer.Argument(..., exists=True, dir_okay=False, help="検証する証明書 (PEM/DER)"),
    payload: Path | None = typer.Option(None, "--payload", help="署名対象のデータ"),
    signature: Path | None = typer.Option(None, "--signature", help="署名 (バイナリ)"),
    ocsp_url: str | None = typer.Option(None, "--ocsp-url", help="OCSP レスポンダの URL"),
    token: str | None = typer.Option(
        None, "--verifier-token", envvar="JICHI_JPKI_VERIFIER_TOKEN", help="検証者トークン"
    ),
    crl_files: list[Path] = typer.Option([], "--crl", help="CRL ファイル（OCSP の代替）"),
    ca_dir: Path | None = typer.Option(None, "--ca-dir", help=CA_HELP),
) -> None:
    """署名・証明書の連鎖・有効期間・失効状態を検証します (exit 1: 不合格)."""
    directory, _ = _ca_dir(ca_dir)
    try:
        trust = ca.load_certificates(directory)
        certificate = load_certificate(cert.read_bytes())
    except JichiError as error:
        raise fail(error) from None
    crls = [x509.load_pem_x509_crl(p.read_bytes()) for p in crl_files]
    result = verify(
        certificate,
        root=trust["root"],
        intermediates=[trust["sign"], trust["auth"]],
        status_source=ocsp_then_crl(ocsp_url, token, crls),
        payload=payload.read_bytes() if payload else None,
        signature=signature.read_bytes() if signature else None,
    )
    print_json(result.to_dict())
    if not result.ok:
        raise typer.Exit(1)


@app.command("issue")
def issue_card(
    token_label: str = typer.Option(..., "--token", help="カードのトークンのラベル (PKCS#11)"),
    person_id: str = typer.Option(..., "--person-id"),
    lg_code: str = typer.Option(..., "--lg-code", help="発行する団体のコード"),
    name: str = typer.Option(..., "--name", help="氏名（住民票の記載どおり）"),
    address: str = typer.Option(..., "--address", help="住所"),
    born: str = typer.Option(..., "--born", help="生年月日 (YYYY-MM-DD)"),
    sex: str = typer.Option(..., "--sex", help="male / female"),
    out_dir: Path = typer.Option(Path("."), "--out-dir", help="証明書 (PEM) の出力先"),
    auth_only: bool = typer.Option(False, "--auth-only", help="利用者証明用のみ（15歳未満）"),
    pin: str = typer.Option(..., "--pin", envvar="JICHI_JPKI_PIN", prompt=True, hide_input=True),
    ca_dir: Path | None = typer.Option(None, "--ca-dir", help=CA_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """カードのトークン内で鍵を作り、署名用・利用者証明用電子証明書を発行します."""
    from datetime import date

    from cryptography.hazmat.primitives import serialization

    from jichi.mynumber.jpki.issuance import Issuer
    from jichi.mynumber.jpki.profiles import Holder
    from jichi.mynumber.jpki.token import ChipToken

    directory, passphrase = _ca_dir(ca_dir)
    try:
        issuer = Issuer(ca.load(directory, passphrase))
        holder = Holder(person_id, lg_code, name, address, date.fromisoformat(born), sex)
        purposes = [Purpose.AUTH] if auth_only else [Purpose.SIGN, Purpose.AUTH]
        with write_transaction(command_engine(url)) as conn:
            certs = issuer.issue_card(conn, holder, ChipToken(token_label), pin, purposes=purposes)
    except JichiError as error:
        raise fail(error) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for purpose, cert in certs.items():
        path = out_dir / f"{purpose.value}.pem"
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        written[purpose.value] = {"file": str(path), "serial": f"{cert.serial_number:x}"}
    print_json(written)


@app.command("sign")
def sign_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="署名するファイル"),
    token_label: str = typer.Option(..., "--token", help="カードのトークンのラベル (PKCS#11)"),
    out: Path = typer.Option(..., "--out", help="署名の出力先（バイナリ）"),
    profile: Purpose = typer.Option(Purpose.SIGN, "--profile", help="sign または auth"),
    pin: str = typer.Option(..., "--pin", envvar="JICHI_JPKI_PIN", prompt=True, hide_input=True),
) -> None:
    """カードのトークンで署名します（秘密鍵はトークンの外に出ません）."""
    from jichi.mynumber.jpki.token import ChipToken

    try:
        signature = ChipToken(token_label).sign(profile, file.read_bytes(), pin)
    except JichiError as error:
        raise fail(error) from None
    out.write_bytes(signature)
    print_json({"out": str(out), "bytes": len(signature)})
