"""``jichi elections`` commands on the database: define, stations, tallies, lots, results.

Registered on the same Typer app as the pure ``allocate`` / ``apportion`` contracts
(whose shapes are unchanged).  Same conventions: JSON on stdout, exit 2 with
``{"error": {...}}`` on bad input (every error of a form in ``errors``).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from sqlalchemy import Engine

from jichi.cli.output import error_payload, print_json
from jichi.elections import election_store, turnout
from jichi.elections.apportion import AmbiguousGroup
from jichi.elections.counting import enter_tally, lot_for, record_lot
from jichi.elections.errors import BAD_INPUT, UNREADABLE_FILE, ElectionInvalid
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.offline import OfflineQueue, QueuedCheckIn, go_offline, replay_queue
from jichi.elections.polling import (
    CheckInOutcome,
    StationKind,
    VoterAtDesk,
    add_station,
    check_in,
    station_offline,
)
from jichi.elections.results import declare, export_csv, export_json, snapshot
from jichi.elections.tally import Tally, TallyMismatch
from jichi.elections.tickets import Ticket, render_pdf, ticket_key
from jichi.kernel.errors import JichiError
from jichi.security.keys import load_keys
from jichi.store.engine import database_url, make_engine

EXIT_BAD_INPUT = 2
DB_HELP = "データベースURL（省略時は JICHI_DATABASE_URL）"


def _fail(error: JichiError) -> NoReturn:
    body: dict[str, Any] = error_payload(error)
    if isinstance(error, ElectionInvalid):
        body["errors"] = [error_payload(e) for e in error.errors]
    if isinstance(error, TallyMismatch):
        body["differences"] = [
            {"line": d.line, "first": d.first, "second": d.second} for d in error.differences
        ]
    print_json({"error": body})
    typer.echo(f"{error.code}: {error.message_ja}", err=True)
    typer.echo(f"{error.code}: {error.message_en}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _bad(field: str, reason: str, reason_en: str) -> JichiError:
    return JichiError(BAD_INPUT, field=field, reason=reason, reason_en=reason_en)


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise JichiError(UNREADABLE_FILE, path=str(path), reason=str(error)) from None


def _engine(url: str | None) -> Engine:
    return make_engine(url)


def _moment(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _bad("as_of", "ISO 8601 の日時で書いてください", "an ISO 8601 moment") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def election_from_json(data: Any) -> Election:
    """The election of a JSON object (shape errors are ELE-006, rules are ELE-017)."""
    if not isinstance(data, dict):
        raise _bad("election", "JSONオブジェクトが必要です", "a JSON object is required")
    try:
        candidates = tuple(
            Candidate(
                candidate_id=str(c["candidate_id"]),
                name=str(c["name"]),
                party=c.get("party"),
                list_rank=c.get("list_rank"),
                dual=bool(c.get("dual", False)),
                priority_order=c.get("priority_order"),
            )
            for c in data.get("candidates", [])
        )
        return Election(
            election_id=str(data["election_id"]),
            lg_code=str(data["lg_code"]),
            kind=ElectionType(data["kind"]),
            district=str(data["district"]),
            seats=data["seats"],
            announced_on=date.fromisoformat(data["announced_on"]),
            polling_day=date.fromisoformat(data["polling_day"]),
            by_election=bool(data.get("by_election", False)),
            parties=tuple(data.get("parties", [])),
            candidates=candidates,
        )
    except KeyError as missing:
        raise _bad(str(missing.args[0]), "必須の項目です", "required") from None
    except (TypeError, ValueError) as error:
        raise _bad("election", "形式が正しくありません", str(error)) from None


def tally_from_json(data: Any) -> Tally:
    if not isinstance(data, dict):
        raise _bad("tally", "JSONオブジェクトが必要です", "a JSON object is required")
    try:
        return Tally(
            votes=dict(data.get("votes", {})),
            invalid=dict(data.get("invalid", {})),
            ambiguous=tuple(
                AmbiguousGroup(str(g["written"]), g["count"], tuple(g["shared_by"]))
                for g in data.get("ambiguous", [])
            ),
            party_votes=dict(data.get("party_votes", {})),  # 比例代表: party-name ballots
        )
    except (KeyError, TypeError, ValueError) as error:
        raise _bad("tally", "形式が正しくありません", str(error)) from None


def _voter(data: Any, where: str) -> VoterAtDesk:
    try:
        return VoterAtDesk(
            str(data["voter_id"]),
            str(data["polling_district"]),
            str(data["sex"]),
            date.fromisoformat(data["birth_date"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise _bad(
            where, "voter_id, polling_district, sex, birth_date が必要です", str(error)
        ) from None


def outcome_json(outcome: CheckInOutcome, station_is_offline: bool) -> dict[str, Any]:
    """The check-in answer a station client shows; the risk flags are never left out."""
    first = outcome.first
    return {
        "accepted": outcome.accepted,
        "first": {
            "station_id": first.station_id,
            "clerk_id": first.clerk_id,
            "checked_in_at": first.checked_in_at.isoformat(),
            "kind": first.kind,
            "offline": first.offline,
        },
        "double_vote_risk": outcome.double_vote_risk,
        "station_offline": station_is_offline,
    }


def register(app: typer.Typer) -> None:
    """Add the database commands to ``jichi elections``."""

    @app.command("define")
    def define(
        file: Path = typer.Argument(..., help="選挙のJSON（kind, district, seats, 日付, 候補者）"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """選挙と候補者・政党・名簿を登録します（全ての誤りをまとめて報告）。"""
        try:
            e = election_from_json(_load(file))
            with _engine(db).begin() as conn:
                election_store.save(conn, e)
        except JichiError as error:
            _fail(error)
        print_json({"election_id": e.election_id, "candidates": len(e.candidates)})

    @app.command("station")
    def station(
        election_id: str,
        station_id: str,
        name: str = typer.Option(..., "--name"),
        kind: StationKind = typer.Option(StationKind.DAY.value, "--kind"),
        district: str = typer.Option(..., "--district", help="投票区"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """投票所（当日・期日前・不在者）を登録します。"""
        try:
            with _engine(db).begin() as conn:
                election_store.load(conn, election_id)
                add_station(conn, election_id, station_id, name, kind, district)
        except JichiError as error:
            _fail(error)
        print_json({"election_id": election_id, "station_id": station_id, "kind": kind.value})

    @app.command("tally")
    def tally(
        election_id: str,
        file: Path = typer.Argument(
            ..., help='{"votes": {...}, "invalid": {...}, "ambiguous": [...]}'
        ),
        district: str = typer.Option(..., "--district", help="開票区"),
        staff: str = typer.Option(..., "--staff", help="入力した職員のID"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """開票区の集計を入力します。2人目の入力と照合されて初めて計上されます。"""
        try:
            entry = tally_from_json(_load(file))
            with _engine(db).begin() as conn:
                e = election_store.load(conn, election_id)
                state = enter_tally(conn, e, district, staff, entry)
        except JichiError as error:
            _fail(error)
        print_json(
            {
                "counting_district": district,
                "reconciled": state.reconciled,
                "lines": {k: str(v) for k, v in state.lines.items()},
            }
        )

    @app.command("lot")
    def lot(
        election_id: str,
        purpose: str = typer.Option("seat", "--purpose", help="くじで決めたこと"),
        contender: list[str] = typer.Option(..., "--contender", help="同点者（複数回）"),
        drawn: list[str] = typer.Option(..., "--drawn", help="くじで選ばれた者（複数回）"),
        by: str = typer.Option(..., "--by", help="記録した職員のID"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """選挙長が行ったくじの結果を記録します（プログラムはくじを引きません）。"""
        try:
            with _engine(db).begin() as conn:
                election_store.load(conn, election_id)
                record_lot(conn, election_id, purpose, contender, drawn, recorded_by=by)
        except JichiError as error:
            _fail(error)
        print_json({"election_id": election_id, "purpose": purpose, "drawn": drawn})

    @app.command("results")
    def results(
        election_id: str,
        as_of: str | None = typer.Option(None, "--as-of", help="この時点の結果（ISO 8601）"),
        fmt: str = typer.Option("json", "--format", help="json | csv | csv-cp932"),
        out: Path | None = typer.Option(None, "--out", help="出力ファイル（省略時は標準出力）"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """開票結果をある時点のスナップショットとして出力します。"""
        try:
            if fmt not in ("json", "csv", "csv-cp932"):
                raise _bad("format", "json, csv, csv-cp932 のいずれかです", "json|csv|csv-cp932")
            with _engine(db).connect() as conn:
                e = election_store.load(conn, election_id)
                snap = snapshot(conn, election_id, _moment(as_of))
            labels = {f"candidate:{c.candidate_id}": c.name for c in e.candidates}
            if fmt == "json":
                data = export_json(snap, labels).encode("utf-8")
            else:
                data = export_csv(snap, labels, encoding="cp932" if fmt == "csv-cp932" else "utf-8")
        except JichiError as error:
            _fail(error)
        if out is None:
            typer.echo(data.decode("cp932" if fmt == "csv-cp932" else "utf-8"), nl=False)
        else:
            out.write_bytes(data)
            print_json({"written": str(out), "bytes": len(data)})

    @app.command("declare")
    def declare_(
        election_id: str,
        as_of: str | None = typer.Option(None, "--as-of"),
        purpose: str = typer.Option("seat", "--lot-purpose", help="同点を決めたくじの記録"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """当選人（法定得票数・くじ）と供託物没収の候補者を示します。"""
        try:
            with _engine(db).connect() as conn:
                e = election_store.load(conn, election_id)
                if e.kind.party_list:
                    raise _bad(
                        "kind", "比例代表は allocate を使ってください", "use allocate for PR"
                    )
                snap = snapshot(conn, election_id, _moment(as_of))
                decl = declare(e, snap, lot=lot_for(conn, election_id, purpose))
        except JichiError as error:
            _fail(error)
        o = decl.outcome
        print_json(
            {
                "elected": list(o.elected),
                "below_threshold": list(o.below_threshold),
                "lot_needed": {"candidates": list(o.lot_candidates), "seats": o.lot_seats},
                "legal_threshold": None if o.threshold is None else str(o.threshold),
                "deposit_line": None if decl.deposit_line is None else str(decl.deposit_line),
                "deposit_forfeited": list(decl.forfeited),
            }
        )

    @app.command("tickets")
    def tickets(
        election_id: str,
        file: Path = typer.Argument(
            ..., help='[{"voter_id", "name", "address", "station_name", "number"}]'
        ),
        out: Path = typer.Option(..., "--out", help="PDFの出力先"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """投票所入場整理券のPDFを作ります（1人1枚、受付用コード付き）。"""
        try:
            rows = _load(file)
            if not isinstance(rows, list):
                raise _bad("tickets", "配列が必要です", "a JSON array is required")
            items = [
                Ticket(
                    str(r["voter_id"]), r["name"], r["address"], r["station_name"], str(r["number"])
                )
                for r in rows
            ]
            with _engine(db).connect() as conn:
                e = election_store.load(conn, election_id)
            key = ticket_key(load_keys(database_url(db)))
            pdf, pages = render_pdf(e, items, key)
        except (KeyError, TypeError) as error:
            _fail(_bad("tickets", "項目が足りません", str(error)))
        except JichiError as error:
            _fail(error)
        out.write_bytes(pdf)
        print_json({"written": str(out), "pages": pages})

    @app.command("turnout")
    def turnout_(
        election_id: str,
        by: list[str] = typer.Option(
            ["hour"], "--by", help="hour | district | sex | age_band | kind"
        ),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """投票者数を時間・投票区・男女・年齢層別に集計します。"""
        try:
            unknown = [d for d in by if d not in turnout.DIMENSIONS]
            if unknown:
                raise _bad(
                    "by", "hour, district, sex, age_band, kind から選んでください", str(unknown)
                )
            with _engine(db).connect() as conn:
                election_store.load(conn, election_id)
                rows = turnout.by(conn, election_id, by)
        except JichiError as error:
            _fail(error)
        print_json([{"key": list(r.key), "voters": r.voters} for r in rows])

    @app.command("checkin")
    def checkin(
        election_id: str,
        station_id: str,
        voter: str = typer.Option(..., "--voter", help="選挙人のID"),
        district: str = typer.Option(..., "--district", help="投票区"),
        sex: str = typer.Option(..., "--sex"),
        born: str = typer.Option(..., "--born", help="生年月日 (YYYY-MM-DD)"),
        clerk: str = typer.Option(..., "--clerk", help="受付者のID"),
        at: str | None = typer.Option(None, "--at", help="受付時刻（省略時は現在）"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """選挙人を受け付けます。受付済みなら exit 2 で最初の受付（場所・時刻・受付者）を示します。

        The JSON always carries ``double_vote_risk`` and ``station_offline``.
        """
        try:
            person = _voter(
                {"voter_id": voter, "polling_district": district, "sex": sex, "birth_date": born},
                "voter",
            )
            engine = _engine(db)
            with engine.connect() as conn:
                e = election_store.load(conn, election_id)
            outcome = check_in(engine, e, station_id, person, clerk_id=clerk, at=_moment(at))
            with engine.connect() as conn:
                offline = station_offline(conn, election_id, station_id)
        except JichiError as error:
            _fail(error)
        print_json(outcome_json(outcome, offline))
        if not outcome.accepted:
            raise typer.Exit(EXIT_BAD_INPUT)

    @app.command("offline")
    def offline_(
        election_id: str,
        station_id: str,
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """投票所をオフライン受付の状態にします（二重投票の危険がある状態として表示）。"""
        try:
            engine = _engine(db)
            go_offline(engine, election_id, station_id, datetime.now(UTC))
            with engine.connect() as conn:
                offline = station_offline(conn, election_id, station_id)
        except JichiError as error:
            _fail(error)
        print_json({"station_id": station_id, "station_offline": offline, "double_vote_risk": True})

    @app.command("replay")
    def replay_(
        election_id: str,
        station_id: str,
        file: Path = typer.Argument(..., help='[{"voter": {...}, "clerk_id", "at"}]'),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """オフライン中の受付を再送し、他所で受付済みだった選挙人（競合）を報告します。"""
        try:
            rows = _load(file)
            if not isinstance(rows, list):
                raise _bad("queue", "配列が必要です", "a JSON array is required")
            queue = OfflineQueue(station_id)
            for i, r in enumerate(rows):
                if not isinstance(r, dict) or "clerk_id" not in r or "at" not in r:
                    raise _bad(f"queue[{i}]", "voter, clerk_id, at が必要です", "missing fields")
                entry = QueuedCheckIn(
                    _voter(r.get("voter"), f"queue[{i}].voter"),
                    str(r["clerk_id"]),
                    _moment(r["at"]),
                )
                queue = queue.add(entry)
            engine = _engine(db)
            with engine.connect() as conn:
                e = election_store.load(conn, election_id)
            report = replay_queue(engine, e, queue)
        except JichiError as error:
            _fail(error)
        print_json(
            {
                "accepted": [q.voter.voter_id for q in report.accepted],
                "conflicts": [
                    {
                        "voter_id": c.entry.voter.voter_id,
                        "first_station_id": c.first.station_id,
                        "first_clerk_id": c.first.clerk_id,
                        "first_checked_in_at": c.first.checked_in_at.isoformat(),
                    }
                    for c in report.conflicts
                ],
                "local_duplicates": [q.voter.voter_id for q in report.local_duplicates],
                "double_votes_possible": report.double_votes_possible,
            }
        )
