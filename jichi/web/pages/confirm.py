"""Review, then record: every notification form's 確認 step, shared by all the forms.

A form's submit runs every check of the domain through :meth:`Registry.preview` —
nothing is written — and answers the 確認 page: what will change, in the registry's
words, with 「記録する」 and 「修正する」.  Both post back to the form's own path with the
sealed pending notification (:mod:`jichi.web.pages.pending`); only 「記録する」 calls
:meth:`Registry.apply`, with the payload's idempotency key, and then the clerk lands
on the result page (:mod:`jichi.web.pages.recorded`).  A rejection found only at 記録
(a colleague's change in between) goes back to the form, every input kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import ValidationError

from jichi.kernel.errors import JichiError, JichiErrors
from jichi.registry.errors import CONFLICT, LIKELY_DUPLICATE
from jichi.registry.review import PersonChange, Review
from jichi.security.actor import Actor
from jichi.web.pages import pending as p
from jichi.web.pages.common import Page
from jichi.web.pages.forms import Outcome, compact_lists, place, validation_errors
from jichi.web.pages.protection_warning import warning

STEP = "step"  # the 確認 page's buttons: record / revise


def _errors(outcome: Outcome, error: JichiError, names: list[str]) -> Outcome:
    members = error.errors if isinstance(error, JichiErrors) else [error]
    for member in reversed(members):  # the first error of a field is the one shown
        outcome.errors[place(member.field, names)] = member.message_ja
    outcome.data = {
        "conflict": error.code == CONFLICT.code,
        "duplicate": any(m.code == LIKELY_DUPLICATE.code for m in members),
    }
    return outcome


def review(
    page: Page,
    actor: Actor,
    data: dict[str, Any],
    names: list[str],
    earlier: dict[str, str] | None = None,
) -> Outcome:
    """Parse and preview: ``data["review"]`` and the command, or errors keyed by input.

    ``earlier`` are the form's own errors (a date that is no date, an unknown 市区町村,
    a refused input): the domain's checks still run on the rest, so the clerk sees every
    mistake of the submit at once; the form's own error wins at an input both name.
    """
    outcome = Outcome(data=data)
    command = compact_lists(data)
    try:
        cmd = page.registry.parse(command)
        shown = page.registry.preview(cmd, actor)
    except ValidationError as error:
        outcome.errors = validation_errors(error, names)
    except JichiError as error:
        _errors(outcome, error, names)
    else:
        outcome.data = {"review": shown, "command": command}
    if earlier:
        outcome.errors = {**outcome.errors, **earlier}
        outcome.data = {k: v for k, v in outcome.data.items() if k in {"conflict", "duplicate"}}
    order = {name: i for i, name in enumerate(names)}  # the summary in page order
    outcome.errors = dict(sorted(outcome.errors.items(), key=lambda kv: order.get(kv[0], -1)))
    return outcome


def placed(errors: dict[str, str], names: list[str]) -> dict[str, str]:
    """Errors keyed by raw input name, keyed by the input the page shows instead."""
    result: dict[str, str] = {}
    for key, message in errors.items():
        result.setdefault(place(key, names), message)
    return result


def record(page: Page, actor: Actor, pending: p.Pending, names: list[str]) -> Outcome:
    """Record the reviewed command once (its idempotency key), or errors keyed by input."""
    outcome = Outcome(data={})
    try:
        cmd = page.registry.parse(pending.data)
        applied = page.registry.apply(cmd, actor, idempotency_key=f"page:{pending.key}")
    except ValidationError as error:  # only a payload sealed by an older version
        outcome.errors = validation_errors(error, names)
        return outcome
    except JichiError as error:
        return _errors(outcome, error, names)
    outcome.data = {"applied": applied}
    return outcome


def households(persons: list[PersonChange]) -> list[dict[str, Any]]:
    """The people grouped by the household they will be in, head first."""
    groups: dict[str, list[PersonChange]] = {}
    for person in persons:
        groups.setdefault(person.household_id, []).append(person)
    result = []
    for hid, members in groups.items():
        head = next((m for m in members if m.relationship == "世帯主"), None)
        result.append(
            {
                "household_id": hid,
                "head": head.name if head else "",
                "address": members[0].address,
                "members": members,
            }
        )
    return result


def confirm_page(
    page: Page,
    actor: Actor,
    title: str,
    outcome: Outcome,
    values: dict[str, Any],
    *,
    back: str,
) -> Response:
    """The 確認 page of a reviewed form (``outcome`` from :func:`review`)."""
    shown: Review = outcome.data["review"]
    sealed = p.seal(page, actor, outcome.data["command"], values)
    protected, parties = warning(page, [person.person_id for person in shown.persons])
    return page.render(
        "counter/confirm.html",
        title=title,
        review=shown,
        households=households(shown.persons),
        pending=sealed,
        action=page.request.url.path,
        back=back,
        distinct_reason=str(outcome.data["command"].get("distinct_person_reason", "")),
        note=str(outcome.data["command"].get("note", "")),
        protected=protected,
        other_parties=parties,
    )


def action_of(values: dict[str, Any]) -> str:
    """``record`` / ``revise`` (the 確認 page's ``step``), the 転入 form's own ``action``
    (``add_person``, ``card``), else ``submit``.  Not ``action`` for the 確認 step: the
    旧氏・通称 forms have an input of that name (記載 or 削除)."""
    step = str(values.get(STEP, ""))
    if step in {"record", "revise"}:
        return step
    action = str(values.get("action", ""))
    return action if action in {"add_person", "card"} else "submit"
