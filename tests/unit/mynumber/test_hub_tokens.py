"""機関別符号 derivation: per agency, keyed, one-way, never colliding across agencies."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.identifiers import IdKind, with_check_digit
from jichi.mynumber.hub.keys import HubKey, load_hub_key

KEY = HubKey(b"h" * 32)
codes = st.integers(min_value=0, max_value=10**10 - 1).map(
    lambda n: with_check_digit(IdKind.RESIDENT_CODE, f"{n:010d}")
)
agency_ids = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,20}", fullmatch=True)


@given(st.lists(codes, min_size=1, max_size=50, unique=True), agency_ids, agency_ids)
def test_two_agencies_tokens_for_the_same_persons_never_collide(
    persons: list[str], a: str, b: str
) -> None:
    if a == b:
        return
    subjects = [KEY.subject(p) for p in persons]
    tokens_a = [KEY.token(a, s) for s in subjects]
    tokens_b = [KEY.token(b, s) for s in subjects]
    assert len(set(subjects)) == len(persons)  # one subject per person
    assert len(set(tokens_a)) == len(persons)  # one token per person per agency
    assert not set(tokens_a) & set(tokens_b)  # no token shared between agencies
    assert not (set(tokens_a) | set(tokens_b)) & set(subjects)


@given(codes, agency_ids)
def test_a_token_depends_on_the_key_and_reveals_no_code(person: str, agency: str) -> None:
    other = HubKey(b"i" * 32)
    token = KEY.token(agency, KEY.subject(person))
    assert token != other.token(agency, other.subject(person))
    assert person not in token
    assert len(token) == 64 and int(token, 16) >= 0


def test_the_key_is_never_printed_and_loads_from_the_environment() -> None:
    assert "h" * 8 not in repr(KEY)
    import base64

    raw = b"z" * 32
    env = {"JICHI_HUB_KEY": base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    loaded = load_hub_key(environ=env)
    assert loaded.subject("00000000019") == HubKey(raw).subject("00000000019")
