"""Hypothesis strategies that plant secrets, by name and by shape, in every channel Sentry sees,
and a failing route (added to the real app by the test, never to app code) that carries them
into frame locals, breadcrumbs, extra, contexts, tags, spans, the transaction name, log records
and the exception message.
"""

import json
import logging
import random
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import sentry_sdk
from fastapi import Body, FastAPI
from hypothesis import strategies as st

from app.observability.secret_shapes import luhn_valid

CUSTOM_FIELD = "favourite_colour"  # added through SENTRY_SCRUB_FIELDS
NAME_KEYS = [
    "password", "Password", "user_password", "hashed_password", "refreshToken", "X-Refresh-Token",
    "access_token", "client_secret", "openai_api_key", "api_key", "apiKey", "credit_card", "ssn",
    "Authorization", "X-Api-Key", CUSTOM_FIELD,
]  # fmt: skip
INNOCENT_KEYS = ["note", "value", "data", "comment", "ref", "items", "x", "payload"]
SHAPES = ["jwt", "bearer", "openai", "openai_proj", "aws_id", "aws_secret", "card", "card_spaced",
          "signed_url"]  # fmt: skip
STRUCT_CHANNELS = ["body", "locals", "repr", "breadcrumb", "extra", "context", "span"]
TEXT_CHANNELS = ["exception", "log", "breadcrumb", "tag", "span", "transaction", "query",
                 "header", "cookie"]  # fmt: skip
BASE64 = string.ascii_letters + string.digits + "+/"

log = logging.getLogger("privacy.test")


@dataclass
class Secret:
    key: str
    value: str  # may hold spaces and quotes
    compact: str  # the same secret without spaces, for places that cannot hold them
    needles: list[str] = field(default_factory=list)  # none of these may reach Sentry


def _rand(rng: random.Random, alphabet: str, size: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def _card(rng: random.Random) -> str:
    body = rng.choice("45") + _rand(rng, string.digits, 14)
    return body + next(d for d in string.digits if luhn_valid(body + d))


def _shape(kind: str, rng: random.Random) -> tuple[str, list[str]]:
    hexa = _rand(rng, "0123456789abcdef", 32)
    if kind == "jwt":
        token = jwt.encode({"sub": hexa}, "k" * 32, algorithm="HS256")
        return token, token.split(".")[1:]
    if kind == "bearer":
        return f"Authorization: Bearer {hexa}", [hexa]
    if kind in ("openai", "openai_proj"):
        tail = _rand(rng, string.ascii_letters + string.digits, 40)
        return ("sk-" if kind == "openai" else "sk-proj-") + tail, [tail]
    if kind == "aws_id":
        key = "AKIA" + _rand(rng, string.ascii_uppercase + string.digits, 16)
        return key, [key]
    if kind == "aws_secret":
        key = "aB3" + _rand(rng, BASE64, 37)
        return key, [key]
    if kind.startswith("card"):
        digits = _card(rng)
        if kind == "card":
            return digits, [digits]
        spaced = " ".join(digits[i : i + 4] for i in range(0, 16, 4))
        return spaced, [digits, spaced]
    signature = _rand(rng, "0123456789abcdef", 64)
    url = ("http://127.0.0.1:9/bucket/rec.webm?X-Amz-Algorithm=AWS4-HMAC-SHA256"
           f"&X-Amz-Credential=AKIA{hexa[:16].upper()}%2F20260101%2Fus-east-1%2Fs3"
           f"&X-Amz-Expires=900&X-Amz-Signature={signature}")  # fmt: skip
    return url, [signature, f"AKIA{hexa[:16].upper()}"]


@st.composite
def secrets(draw: st.DrawFn) -> Secret:
    rng = draw(st.randoms(use_true_random=True))  # high entropy even when shrunk
    if draw(st.booleans()):
        uid = _rand(rng, "0123456789abcdef", 16)
        template = draw(st.sampled_from(["hunter {}", "it's {}", 'say "{}" now', "{}"]))
        return Secret(draw(st.sampled_from(NAME_KEYS)), template.format(uid), f"hunter{uid}", [uid])
    kind = draw(st.sampled_from(SHAPES))
    value, needles = _shape(kind, rng)
    compact = value.replace(" ", "") if value.startswith(("4", "5")) else value.split()[-1]
    if kind == "bearer":
        compact = "Bearer%20" + compact
    return Secret(draw(st.sampled_from(INNOCENT_KEYS)), value, compact, needles)


def as_text(secret: Secret, style: int) -> str:
    """The secret inside free text, the way code would write it."""
    if secret.key in INNOCENT_KEYS:
        return f"while saving {secret.value} for later"
    return [
        f"Creds({secret.key}={secret.value!r}, user='ada')",
        f'{{"{secret.key}": {json.dumps(secret.value)}, "n": 1}}',
        f"retry {secret.key}={secret.compact}&page=2",
        f"{secret.key}: {secret.compact}",
    ][style % 4]


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    """Where each planted secret goes: a channel, and a depth inside structured channels."""
    planted = draw(st.lists(secrets(), min_size=1, max_size=6))
    structs: dict[str, Any] = {channel: {"keep": "visible"} for channel in STRUCT_CHANNELS}
    texts: dict[str, list[str]] = {channel: [] for channel in TEXT_CHANNELS}
    urls: list[str] = []
    for secret in planted:
        where = draw(st.sampled_from(["struct", "text", "url"]))
        if where == "struct":
            node = structs[draw(st.sampled_from(STRUCT_CHANNELS))]
            for key in draw(st.lists(st.sampled_from(INNOCENT_KEYS), max_size=5)):
                if not isinstance(node.get(key), dict):
                    node[key] = {}
                node = node[key]
            if draw(st.booleans()):
                node["list"] = [{}]
                node = node["list"][0]
            node[secret.key] = secret.value
        elif where == "text":
            channel = draw(st.sampled_from(TEXT_CHANNELS))
            texts[channel].append(as_text(secret, draw(st.integers(0, 3))))
        elif secret.value.startswith("http://"):
            urls.append(secret.value)  # a presigned URL
        else:
            urls.append("http://127.0.0.1:9/files/a.webm?" + urlencode({secret.key: secret.value}))
    return {"planted": planted, "body": {"structs": structs, "texts": texts, "urls": urls}}


def request_parts(plan: dict[str, Any]) -> dict[str, Any]:
    """Query string, headers and cookies for the planted request."""
    texts = plan["body"]["texts"]
    query = [("q", text) for text in texts["query"]]
    headers = [("X-Note", text) for text in texts["header"]]
    cookies = [f"c{i}={secret.compact}" for i, secret in enumerate(plan["planted"])]
    for secret in plan["planted"]:
        query.append((secret.key, secret.value))
        headers.append((secret.key, secret.value))
    headers.append(("Cookie", "; ".join(cookies + [f"t={text}" for text in texts["cookie"]])))
    return {"params": query, "headers": headers}


@dataclass
class Holder:
    """A local whose repr holds the secrets (as a pydantic model or a dataclass would)."""

    data: Any


def add_failing_route(app: FastAPI) -> None:
    """POST /privacy-test/boom: carry the plan into every channel, then fail."""

    @app.post("/privacy-test/boom")
    def boom(plan: dict = Body(...)) -> None:  # noqa: B008
        structs, texts = plan["structs"], {k: " | ".join(v) for k, v in plan["texts"].items()}
        holder = Holder(structs["repr"])  # noqa: F841 - a frame local for the event
        local_tree = structs["locals"]  # noqa: F841
        sentry_sdk.add_breadcrumb(
            message=texts["breadcrumb"], category="test", data=structs["breadcrumb"]
        )
        sentry_sdk.set_extra("planted", structs["extra"])
        sentry_sdk.set_context("planted", structs["context"])
        sentry_sdk.set_tag("planted", texts["tag"][:190])
        with sentry_sdk.start_span(op="test.plant", name=texts["span"] or "plant") as span:
            span.set_data("planted", structs["span"])
            span.set_tag("planted", texts["span"][:190])
        mock = httpx.MockTransport(lambda request: httpx.Response(204))
        with httpx.Client(transport=mock) as client:  # spans and breadcrumbs, no traffic
            for url in plan["urls"]:
                client.get(url, headers={"Authorization": "Bearer " + url[-20:]})
        sentry_sdk.get_current_scope().set_transaction_name("boom " + texts["transaction"])
        log.info("step %s", texts["log"])
        log.error("failed: %s", texts["log"])
        raise RuntimeError(f"boom: {texts['exception']}")
