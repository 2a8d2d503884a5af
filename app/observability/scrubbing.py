"""Removing secrets from Sentry events, breadcrumbs and spans: by field name and by shape.

By name: a key is sensitive when, lower-cased and stripped of separators, it contains one of
the sensitive words (`refreshToken`, `X-Refresh-Token` and `user_password` all match). Short
words (`ssn`, `pwd`, `sig`...) must be a whole word of the key instead, so `classname` is not
taken for an `ssn`. The same names are found inside strings (reprs of local variables, query
strings, log messages, exception messages) as `name=value`, `name: value`, `'name': 'value'`
or `name=Wrapper('value')`; the whole value goes, spaces and quotes included.

By shape: see `secret_shapes` (JWTs, bearer tokens, API keys, card numbers...), applied to
every string and to long integers.

The event keeps its structure: only values are replaced, by the fixed marker `[Filtered]`.
"""

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

from app.observability.secret_shapes import FILTERED, is_secret_number, scrub_shapes

__all__ = ["DEFAULT_FIELDS", "FILTERED", "Scrubber", "normalize"]

DEFAULT_FIELDS = (
    "password", "passwd", "passphrase", "secret", "token", "authorization", "cookie",
    "api_key", "apikey", "access_key", "private_key", "signing_key", "encryption_key",
    "credential", "signature", "bearer", "jwt", "csrf", "xsrf", "dsn",
    "credit_card", "card_number", "cardnumber", "cvv", "cvc", "ssn", "pwd", "pin", "otp", "sig",
)  # fmt: skip
# Words this short are matched as a whole word of the key, never as a substring.
_SHORT = 3
# Integer counters such as `total_tokens` or `gen_ai.usage.input_tokens` are not secrets.
_COUNTER_WORD = "tokens"
# Source lines come from the deployed code, not from runtime data; scrubbing them would only
# mangle `password = ...` statements in the stack trace.
_SOURCE_KEYS = frozenset({"context_line", "pre_context", "post_context"})
_MAX_DEPTH = 64
# Texts found clean are remembered (the same SQL, URLs, header values and span names come
# back in every transaction), up to this many of up to this length; a text with a secret in
# it never is, so the memo holds nothing the events may not.
_CLEAN_TEXTS = 4096
_CLEAN_TEXT_LENGTH = 2048
# Fields the SDK itself fills with ids, timestamps and constants, by position in a transaction
# (never from user data: ids are generated or come from a validated sentry-trace header). The
# full walk would leave them as they are, only slowly: a hex id or a timestamp has four digits
# in a row, so each one went through the whole secret-shape pattern.
_SDK_TOP = frozenset({"event_id", "timestamp", "start_timestamp", "type", "platform", "sdk"})
_SDK_SPAN = frozenset(
    {"trace_id", "span_id", "parent_span_id", "same_process_as_parent", "start_timestamp",
     "timestamp", "origin"}
)  # fmt: skip
_SDK_DSC = frozenset({"trace_id", "sample_rand", "sample_rate", "sampled", "public_key"})
_TRANSACTION = {
    "": _SDK_TOP,
    "spans": [{"": _SDK_SPAN}],
    "contexts": {
        "": frozenset(),
        "trace": {"": _SDK_SPAN, "dynamic_sampling_context": {"": _SDK_DSC}},
    },
}

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# A name, maybe quoted (or quoted with escaped quotes, as in the repr of a JSON body), then = or :
_KEY_IN_TEXT = re.compile(r"(?<![\w.\-])([A-Za-z_][\w.\-]*)(?:\\*[\"'])?\s*[=:]\s*")
# The repr of a (name, value) pair, as ASGI headers appear in frame locals: (b'x-api-key', b'...')
_PAIR_REPR = re.compile(
    r"\(\s*b?(['\"])([^'\"\\]{1,128})\1\s*,\s*b?(['\"])(.*?)(?<!\\)\3\s*\)", re.DOTALL
)
_ESCAPED_QUOTE = re.compile(r"\\+[\"']")
# SQL and format placeholders (`password=%(password)s`, `token = ?`) are not values: kept, so
# span descriptions of queries stay readable.
_PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|\?|\$\d+|:\w+")
_UNQUOTED_END = frozenset(" \t\r\n&,;)}]'\"")
_CLOSING = {"[": "]", "{": "}", "(": ")"}


def normalize(name: str) -> str:
    """`X-Refresh-Token` and `refreshToken` both become `refreshtoken`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _words(name: str) -> set[str]:
    return {word.lower() for word in _WORDS.findall(name)}


class Scrubber:
    """Replaces secrets with a fixed marker, keeping the shape of the data."""

    def __init__(self, extra_fields: Iterable[str] = ()) -> None:
        fields = {normalize(field) for field in (*DEFAULT_FIELDS, *extra_fields)} - {""}
        self.fields = tuple(sorted(fields))
        self._long = tuple(field for field in self.fields if len(field) > _SHORT)
        self._short = frozenset(field for field in self.fields if len(field) <= _SHORT)
        self._cache: dict[str, frozenset[str]] = {}
        self._clean: set[str] = set()

    def matches(self, key: str) -> frozenset[str]:
        """The sensitive words found in `key` (cached: keys repeat across events)."""
        found = self._cache.get(key)
        if found is None:
            normalized = normalize(key)
            found = frozenset(
                [field for field in self._long if field in normalized]
                + list(self._short & _words(key))
            )
            if len(self._cache) < 10_000:
                self._cache[key] = found
        return found

    def is_sensitive(self, key: object) -> bool:
        return isinstance(key, str) and bool(self.matches(key))

    def _hides(self, key: object, value: Any) -> bool:
        if not isinstance(key, str) or value is None or isinstance(value, bool):
            return False
        found = self.matches(key)
        if not found:
            return False
        if isinstance(value, (int, float)) and found == {"token"}:
            return _COUNTER_WORD not in _words(key)
        return value not in ("", [], {})

    def scrub(self, value: Any, key: object = None, depth: int = 0) -> Any:
        """Return `value` with every secret replaced; containers are copied."""
        if depth > _MAX_DEPTH:
            return FILTERED
        if self._hides(key, value):
            return _mask(value)
        if isinstance(value, str):
            return self.scrub_text(value)
        if isinstance(value, dict):
            return {
                k: v if k in _SOURCE_KEYS else self.scrub(v, k, depth + 1) for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return type(value)(self._scrub_item(item, depth + 1) for item in value)
        if isinstance(value, int) and not isinstance(value, bool) and is_secret_number(value):
            return FILTERED
        return value

    def _scrub_item(self, item: Any, depth: int) -> Any:
        # Headers and query strings often arrive as [name, value] pairs.
        if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str):
            pair = (self.scrub_text(item[0]), self.scrub(item[1], item[0], depth))
            return type(item)(pair)
        return self.scrub(item, depth=depth)

    def scrub_text(self, text: str) -> str:
        """Free text with secret-shaped parts and `name=value` secrets replaced."""
        if not text or text in self._clean:
            return text
        scrubbed = self._scrub_text(text)
        if scrubbed == text and len(text) <= _CLEAN_TEXT_LENGTH:
            if len(self._clean) >= _CLEAN_TEXTS:
                self._clean.clear()  # one-off texts (ids, messages) filled it: start again
            self._clean.add(text)
        return scrubbed

    def _scrub_text(self, text: str) -> str:
        text = self._scrub_plain(text)
        if "%" in text or "+" in text:
            # URL-encoded text (the SDK re-encodes query strings): look again, decoded.
            decoded = unquote_plus(text)
            if decoded != text:
                scrubbed = self._scrub_plain(decoded)
                if scrubbed != decoded:
                    return scrubbed
        return text

    def _scrub_plain(self, text: str) -> str:
        text = scrub_shapes(text)
        if "(" in text and "," in text:
            text = _PAIR_REPR.sub(self._scrub_pair_repr, text)
        if "=" not in text and ":" not in text:
            return text
        return self._scrub_pairs(text)

    def _scrub_pair_repr(self, match: re.Match[str]) -> str:
        if not self.is_sensitive(match.group(2)):
            return match.group(0)
        start, end = match.start(4) - match.start(), match.end(4) - match.start()
        return match.group(0)[:start] + FILTERED + match.group(0)[end:]

    def _scrub_pairs(self, text: str) -> str:
        parts: list[str] = []
        position = 0
        for match in _KEY_IN_TEXT.finditer(text):
            start = match.end()
            if match.start() < position or not self.is_sensitive(match.group(1)):
                continue
            if start >= len(text) or text.startswith(FILTERED, start):
                continue
            if _is_placeholder(text, start):
                continue
            end = _value_end(text, start)
            if end == start:
                continue
            parts += [text[position:start], FILTERED]
            position = end
        if not parts:
            return text
        parts.append(text[position:])
        return "".join(parts)

    def scrub_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """A whole event; log parameters whose text was filtered from the message go too."""
        modules = event.get("modules")
        if not _package_versions(modules):
            modules = None
        scrubbed = self.scrub({k: v for k, v in event.items() if k != "modules" or not modules})
        if modules:
            # Package names and versions, never secrets: the name rules would otherwise take
            # "tiktoken" for a token.
            scrubbed["modules"] = modules
        _scrub_log_params(event.get("logentry"), scrubbed.get("logentry"))
        return scrubbed

    def scrub_transaction(self, event: dict[str, Any]) -> dict[str, Any]:
        """A transaction: the same result as `scrub_event`, without walking the SDK's own ids
        and timestamps."""
        scrubbed = self._scrub_known(event, _TRANSACTION)
        _scrub_log_params(event.get("logentry"), scrubbed.get("logentry"))
        return scrubbed

    def _scrub_known(self, value: Any, schema: Any, key: object = None, depth: int = 0) -> Any:
        """`scrub`, except that the fields `schema` names as the SDK's own are kept as they are
        (unless a scrub field name matches them)."""
        if depth > _MAX_DEPTH or self._hides(key, value):
            return self.scrub(value, key, depth)
        if isinstance(schema, list) and isinstance(value, list):
            return [self._scrub_known(item, schema[0], None, depth + 1) for item in value]
        if not (isinstance(schema, dict) and isinstance(value, dict)):
            return self.scrub(value, key, depth)
        sdk_keys = schema[""]
        out = {}
        for k, v in value.items():
            if k in _SOURCE_KEYS or (k in sdk_keys and not self.matches(k)):
                out[k] = v
            elif k in schema:
                out[k] = self._scrub_known(v, schema[k], k, depth + 1)
            else:
                out[k] = self.scrub(v, k, depth + 1)
        return out


def _package_versions(modules: Any) -> bool:
    """Whether `modules` is what the SDK puts there: package name -> version string."""
    return isinstance(modules, dict) and all(
        isinstance(name, str) and isinstance(ver, str) and len(ver) <= 64
        for name, ver in modules.items()
    )


def _scrub_log_params(original: Any, scrubbed: Any) -> None:
    # `log.info("login password=%s", pw)`: `pw` alone looks innocent, but it is the part of the
    # formatted message that the name rule removed.
    if not (isinstance(original, dict) and isinstance(scrubbed, dict)):
        return
    before, after = original.get("formatted"), scrubbed.get("formatted")
    params = scrubbed.get("params")
    if not (isinstance(before, str) and isinstance(after, str) and isinstance(params, list)):
        return
    for index, param in enumerate(original.get("params") or []):
        text = str(param)
        if index < len(params) and text and text in before and text not in after:
            params[index] = FILTERED


def _mask(value: Any) -> Any:
    # A sensitive dict keeps its keys (the event stays readable); everything else goes.
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    return FILTERED


def _is_placeholder(text: str, start: int) -> bool:
    match = _PLACEHOLDER.match(text, start)
    # Only a whole value: `?!x` or `%sabc` could be a real secret.
    return match is not None and (match.end() == len(text) or text[match.end()] in _UNQUOTED_END)


def _value_end(text: str, start: int) -> int:
    """Where the value starting at `start` ends: a quoted string, a bracketed group, a
    `Wrapper('...')` call, or a run of characters up to a separator."""
    first = text[start]
    if first in "'\"":
        return _quoted_end(text, start)
    escaped = _ESCAPED_QUOTE.match(text, start)
    if escaped:  # \'value\' inside a repr: ends at the same escaped quote, not a longer one
        sequence = escaped.group()
        close = text.find(sequence, escaped.end())
        while close > 0 and text[close - 1] == "\\":
            close = text.find(sequence, close + 1)
        return len(text) if close < 0 else close + len(sequence)
    if first in _CLOSING:
        return _group_end(text, start)
    end = start
    while end < len(text) and text[end] not in _UNQUOTED_END:
        if text[end] == "(":
            return _group_end(text, end)
        end += 1
    return end


def _quoted_end(text: str, start: int) -> int:
    # A quote preceded by any backslash does not close the value: inside reprs of JSON, escapes
    # are themselves escaped (`\\"`), so counting backslashes is unreliable. Ending too late
    # removes a little more; ending too early would leak.
    quote, index = text[start], start + 1
    while index < len(text):
        if text[index] == quote and text[index - 1] != "\\":
            return index + 1
        index += 1
    return len(text)


def _group_end(text: str, start: int) -> int:
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char in "'\"":
            index = _quoted_end(text, index)
            continue
        if char in _CLOSING:
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(text)
