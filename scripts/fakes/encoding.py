"""Request bodies as the Sentry SDK compresses them, decoded for the fakes that receive them."""

import gzip
import zlib

import brotli


def decode_body(body: bytes, encoding: str) -> bytes:
    encoding = encoding.lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body
