"""Secrets recognised by their shape, wherever they sit: under innocent keys or inside free text.

Each rule trades a little recall for few false positives, because a scrubber that blanks half
of an event makes the event useless:

- JWTs: `eyJ` (base64 of `{"`) followed by base64url; also a truncated token.
- Bearer/Basic credentials: the word `Bearer` or `Basic` followed by a token of 8+ characters
  ("Bearer" is rare in prose; "Token" is not, so `Token xyz` is left to the name rules).
- OpenAI-style keys: `sk-`, `sk-proj-`, `sk-svcacct-`... with 20+ characters after the prefix.
- AWS access key ids: AKIA/ASIA/... + 16 upper-case letters or digits.
- AWS secret access keys have no prefix: any standalone run of exactly 40 base64 characters
  that mixes upper case, lower case and digits. Hex digests (git SHAs, SHA-1) are not mixed case
  and are kept; other random 40-character base64 strings are removed, which is acceptable
  because they are nearly always credentials too.
- Payment cards: 13-19 digits (spaces or dashes allowed) starting with 2-6 (the card networks'
  ranges) and passing the Luhn check. Starting with 2-6 keeps epoch-millisecond timestamps and
  most ids (which start with 1) out; 1 in 10 random numbers passes Luhn, so a 13-19 digit number
  starting with 2-6 is sometimes removed by mistake.
- GitHub and Slack tokens, and the password in `scheme://user:password@host` URLs.
- Password hashes in PHC or crypt format (`$argon2id$...`, `$2b$12$...`): a hash is not the
  password, but it is what an offline guessing attack starts from.
"""

import re

FILTERED = "[Filtered]"

_SHAPES = re.compile(
    r"(?P<bearer_word>\b(?:[Bb]earer|BEARER|Basic)\s+)(?P<bearer>[A-Za-z0-9\-._~+/]{8,}=*)"
    r"|(?P<jwt>eyJ[A-Za-z0-9_\-]{10,}(?:\.[A-Za-z0-9_\-]*){0,2})"
    r"|(?P<openai>(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-]{20,})"
    r"|(?P<aws_id>(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)"
    r"[A-Z0-9]{16}(?![A-Za-z0-9]))"
    r"|(?P<vendor>(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
    r"|xox[abprs]-[A-Za-z0-9\-]{10,}))"
    r"|(?P<aws_secret>(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=]))"
    r"|(?P<card>(?<![0-9A-Za-z.])[2-6]\d(?:[ \-]?\d){11,17}(?![0-9A-Za-z]))"
    r"|(?P<userinfo>(?<=://)[^/\s:@'\"]+:)(?P<url_password>[^/\s@'\"]+)(?=@)"
    r"|(?P<password_hash>\$(?:argon2(?:id|i|d)|2[abxy]|scrypt|pbkdf2[-_a-z0-9]*)\$[^\s'\"]{20,})"
)
# Cheap pre-check: every shape above contains one of these.
_HINT = re.compile(
    r"eyJ|sk-|[Bb]earer|BEARER|Basic|A[A-Z]{3}[A-Z0-9]|gh|xox|\d{4}|://|[A-Za-z0-9/+]{40}"
    r"|\$(?:argon2|2[abxy]\$|scrypt|pbkdf2)"
)


def luhn_valid(digits: str) -> bool:
    """The checksum every payment card number satisfies."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits)


def _mixed_base64(value: str) -> bool:
    return (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )


def _replace(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "bearer":
        return match.group("bearer_word") + FILTERED
    if kind == "url_password":
        return match.group("userinfo") + FILTERED
    if kind == "card" and not is_card_number(re.sub(r"[ \-]", "", match.group())):
        return match.group()
    if kind == "aws_secret" and not _mixed_base64(match.group()):
        return match.group()
    return FILTERED


def scrub_shapes(text: str) -> str:
    """`text` with every secret-shaped part replaced by the marker."""
    if not _HINT.search(text):
        return text
    return _SHAPES.sub(_replace, text)


def is_secret_number(value: int) -> bool:
    """A card number stored as an integer."""
    return value > 10**12 and is_card_number(str(value))
