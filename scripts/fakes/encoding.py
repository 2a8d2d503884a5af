"""Request bodies as the Sentry SDK compresses them, decoded for the fakes that receive them."""

import gzip
import zlib


def decode_body(body: bytes, encoding: str) -> bytes:
    encoding = encoding.lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        # Imported here: the benchmarks' sinks run in peers' virtualenvs, which lack brotli and
        # never receive it (only Sentry compresses with it, and its sink runs in .venv).
        import brotli

        return brotli.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body
