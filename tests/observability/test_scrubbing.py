"""The scrubber on its own: each name rule and each shape, and what it must leave alone."""

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.observability.scrubbing import FILTERED, Scrubber
from app.observability.secret_shapes import luhn_valid, scrub_shapes

scrubber = Scrubber(extra_fields=["favourite_colour"])
JWT = jwt.encode({"sub": "42", "type": "access"}, "k" * 32, algorithm="HS256")
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SIGNED_URL = (
    "https://bucket.s3.amazonaws.com/rec.webm?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=" + "ab12" * 16
)
_texts = st.sampled_from(
    ["password=hunter2 x", JWT, AWS_SECRET, SIGNED_URL, "Bearer abcdefgh1234",
     "4111 1111 1111 1111", "SELECT * FROM users WHERE password = ?", "plain words",
     "2026-11-29T10:20:41Z", ""]
) | st.text(max_size=30)  # fmt: skip
_keys = st.sampled_from(["note", "password", "token", "trace_id", "timestamp", "db.system",
                         "favourite_colour", "span_id", "description", "data"])  # fmt: skip
_values = st.recursive(
    _texts | st.integers() | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=12,
)


@pytest.mark.parametrize(
    "key",
    ["password", "Password", "user_password", "hashed_password", "refreshToken",
     "X-Refresh-Token", "access_token", "client_secret", "openai_api_key", "api_key", "apiKey",
     "credit_card", "ssn", "user_SSN", "Authorization", "favourite-colour", "X-Amz-Signature"],
)  # fmt: skip
def test_sensitive_names_match_whatever_their_case_and_separators(key):
    assert scrubber.scrub({key: "hunter 2"}) == {key: FILTERED}


@pytest.mark.parametrize("key", ["classname", "email", "author", "title", "session_id"])
def test_innocent_names_are_kept(key):
    assert scrubber.scrub({key: "hello"}) == {key: "hello"}


def test_token_counters_are_kept_but_not_token_strings():
    data = {"total_tokens": 12, "gen_ai.usage.input_tokens": 7, "max_tokens": 3.0,
            "gen_ai.usage.input_tokens.cached": 2, "tokens": "abc", "token": 1234}  # fmt: skip
    assert scrubber.scrub(data) == {
        "total_tokens": 12, "gen_ai.usage.input_tokens": 7, "max_tokens": 3.0,
        "gen_ai.usage.input_tokens.cached": 2, "tokens": FILTERED, "token": FILTERED,
    }  # fmt: skip


def test_structure_stays_and_neighbours_survive():
    event = {"extra": {"form": {"password": "p", "email": "a@b.c"}, "cookies": {"s": "1"}},
             "list": [["Authorization", "Bearer abcdefghij"], ["Accept", "json"]]}  # fmt: skip
    assert scrubber.scrub(event) == {
        "extra": {"form": {"password": FILTERED, "email": "a@b.c"}, "cookies": {"s": FILTERED}},
        "list": [["Authorization", FILTERED], ["Accept", "json"]],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Creds(password='hunter 2', user='bob')", "Creds(password=[Filtered], user='bob')"),
        ('{"api_key": "it\'s \\"x\\" y", "n": 1}', '{"api_key": [Filtered], "n": 1}'),
        ("{'secret': {'a': {'b': 'deep value'}}, 'k': 2}", "{'secret': [Filtered], 'k': 2}"),
        ("Login(password=SecretLike('a b c'), n=1)", "Login(password=[Filtered], n=1)"),
        ("retry with token=abc123&page=2", "retry with token=[Filtered]&page=2"),
        ("X-Refresh-Token: abc.def and more", "X-Refresh-Token: [Filtered] and more"),
        ("{'password': 'cut off at trunc", "{'password': [Filtered]"),
        ("classname=Widget ssn=123-45-6789", "classname=Widget ssn=[Filtered]"),
        (
            "UPDATE users SET hashed_password=%(hashed_password)s, token = ? WHERE id = $1",
            "UPDATE users SET hashed_password=%(hashed_password)s, token = ? WHERE id = $1",
        ),
        # the repr of a JSON body holding JSON text: escapes of escapes
        (
            r'{\\"password\\": \\"say \\\\\\"x y\\\\\\" now\\", \\"n\\": 1}',
            r'{\\"password\\": [Filtered], \\"n\\": 1}',
        ),
    ],
)
def test_names_inside_text(text, expected):
    assert scrubber.scrub_text(text) == expected


@pytest.mark.parametrize(
    "secret",
    [JWT, JWT[:25], "sk-" + "a1B2" * 12, "sk-proj-" + "Zx9_" * 10, "AKIAIOSFODNN7EXAMPLE",
     "ASIAY34FZKBOKMUTVV7A", AWS_SECRET, "4111 1111 1111 1111", "5500-0000-0000-0004",
     "4012888888881881", "ghp_" + "a" * 36, "xoxb-1234567890-abcdef"],
)  # fmt: skip
def test_shapes_under_innocent_keys(secret):
    scrubbed = scrubber.scrub({"note": f"see {secret}, ok", "n": [secret]})
    assert scrubbed == {"note": f"see {FILTERED}, ok", "n": [FILTERED]}


def test_pair_reprs_of_asgi_headers_in_frame_locals():
    headers = "[(b'host', b'testserver'), (b'x-api-key', b'k3y v4lue'), (b'accept', b'*/*')]"
    assert scrubber.scrub_text(headers) == (
        f"[(b'host', b'testserver'), (b'x-api-key', b'{FILTERED}'), (b'accept', b'*/*')]"
    )
    assert scrubber.scrub_text("f(a, b)") == "f(a, b)"


def test_bearer_and_url_credentials_in_text():
    assert scrub_shapes("curl -H 'Authorization: Bearer abc.def-123'") == (
        f"curl -H 'Authorization: Bearer {FILTERED}'"
    )
    assert (
        scrub_shapes("postgresql://app:s3cr3t@db:5432/x")
        == f"postgresql://app:{FILTERED}@db:5432/x"
    )


def test_signed_urls_lose_signature_and_credential_but_keep_the_rest():
    scrubbed = scrubber.scrub_text(SIGNED_URL)
    assert "ab12ab12" not in scrubbed and "AKIAIOSFODNN7EXAMPLE" not in scrubbed
    assert scrubbed.startswith("https://bucket.s3.amazonaws.com/rec.webm?X-Amz-Algorithm=")
    assert "X-Amz-Expires=3600" in scrubbed


@pytest.mark.parametrize(
    "value",
    ["4111111111111112", "1732871234567", "a" * 40, "0123456789abcdef0123456789abcdef01234567",
     "2026-11-29 09:34:26", "550e8400-e29b-41d4-a716-446655440000", "Token expired",
     "task-abcdefghijklmnopqrstuvwxyz"],
)  # fmt: skip
def test_look_alikes_are_kept(value):
    assert scrubber.scrub({"note": value}) == {"note": value}


def test_card_numbers_stored_as_integers():
    assert scrubber.scrub({"n": 4111111111111111, "m": 4111111111111112}) == {
        "n": FILTERED,
        "m": 4111111111111112,
    }
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def test_log_params_removed_from_the_formatted_message_are_removed_too():
    event = {"logentry": {"message": "login password=%s user=%s", "params": ["hunter2", "bob"],
                          "formatted": "login password=hunter2 user=bob"}}  # fmt: skip
    assert scrubber.scrub_event(event)["logentry"] == {
        "message": "login password=%s user=%s",
        "params": [FILTERED, "bob"],
        "formatted": "login password=[Filtered] user=bob",
    }


def test_source_lines_are_not_mangled():
    frame = {"context_line": "    password = body.password", "vars": {"password": "x"}}
    assert scrubber.scrub(frame) == {"context_line": "    password = body.password",
                                     "vars": {"password": FILTERED}}  # fmt: skip


def _transaction(spans: list, extra: dict) -> dict:
    """The shape of a serialized transaction, with the SDK's ids and timestamps."""
    ids = {
        "trace_id": "30f148201307480f8dbe9407ad822e2f",
        "span_id": "b4b3ce5e45251bd6",
        "parent_span_id": None,
        "start_timestamp": "2026-11-29T10:20:41.128526Z",
        "timestamp": "2026-11-29T10:20:41.132854Z",
        "origin": "auto.http.lean_asgi",
    }
    dsc = {
        "trace_id": ids["trace_id"],
        "sample_rand": "0.404188",
        "public_key": "public",
        "sample_rate": "1.0",
        "sampled": "true",
        "transaction": "/api/v1/users/me",
    }
    return {
        "type": "transaction", "event_id": "7668577f53104f64a4186b6378355686",
        "timestamp": ids["timestamp"], "start_timestamp": ids["start_timestamp"],
        "platform": "python", "sdk": {"name": "sentry.python", "integrations": ["sqlalchemy"]},
        "contexts": {"trace": {**ids, "op": "http.server", "dynamic_sampling_context": dsc,
                               "data": extra}, "planted": extra},
        "spans": [{**span, **ids, "parent_span_id": "b4b3ce5e45251bd6",
                   "same_process_as_parent": True} for span in spans],
        "request": {"headers": extra, "url": "http://x/a?token=abc"}, "extra": extra,
    }  # fmt: skip


@given(spans=st.lists(st.dictionaries(_keys, _values, max_size=4), max_size=3),
       extra=st.dictionaries(_keys, _values, max_size=4))  # fmt: skip
@settings(max_examples=200, deadline=None, derandomize=True)
def test_transaction_scrub_matches_the_full_walk(spans, extra):
    for chosen in (scrubber, Scrubber(extra_fields=["trace", "stamp"])):
        event = _transaction(spans, extra)
        assert chosen.scrub_transaction(event) == chosen.scrub_event(event)


def test_a_text_scrubs_the_same_every_time_and_only_clean_texts_are_remembered():
    scrubber = Scrubber()
    clean = "SELECT users.id FROM users WHERE users.id = ?"
    token = jwt.encode({"sub": "memo"}, "k" * 32, algorithm="HS256")
    secret = f"GET /reset?token={token}"

    first = [scrubber.scrub_text(clean), scrubber.scrub_text(secret)]
    again = [scrubber.scrub_text(clean), scrubber.scrub_text(secret)]

    assert first == again == [clean, "GET /reset?token=[Filtered]"]
    assert clean in scrubber._clean
    assert not any(token in text for text in scrubber._clean)
