"""What an upload really is: audio by its bytes (not by what the client says), and a display
name that cannot hide text direction tricks or control characters."""

import unicodedata
from pathlib import PurePath
from typing import BinaryIO

import filetype

from app.core.errors import UnsupportedMediaType

# What the sniffer reports -> the type we store and serve. MP4 and WebM containers are
# reported as video; as uploads of a speaking coach they carry speech.
AUDIO_TYPES = {
    "audio/x-wav": "audio/wav",
    "audio/mpeg": "audio/mpeg",
    "audio/mp4": "audio/mp4",
    "video/mp4": "audio/mp4",
    "audio/ogg": "audio/ogg",  # Ogg Vorbis and Ogg Opus
    "video/webm": "audio/webm",
    "audio/x-flac": "audio/flac",
}
SERVED_TYPES = sorted(set(AUDIO_TYPES.values()))
# Enough for every signature the sniffer knows.
SNIFF_BYTES = 8192
# Control characters (Cc) and format characters (Cf), which include every bidi override and
# isolate (U+202A-202E, U+2066-2069, U+200E/F, U+061C): a name like "evil\u202egnp.wav".
_HIDDEN = ("Cc", "Cf")


def audio_type(data: BinaryIO) -> str:
    """The stored media type of an audio upload, read from its first bytes; else 415 (an
    empty file included)."""
    data.seek(0)
    kind = filetype.guess(data.read(SNIFF_BYTES))
    data.seek(0)
    if kind is None or kind.mime not in AUDIO_TYPES:
        raise UnsupportedMediaType(
            "Only audio files can be uploaded (WAV, MP3, M4A/MP4, Ogg/Opus, WebM, FLAC)"
        )
    return AUDIO_TYPES[kind.mime]


def display_filename(filename: str | None) -> str:
    """The file's own name, without folders, control or bidi characters, at most 255 long."""
    visible = "".join(ch for ch in filename or "" if unicodedata.category(ch) not in _HIDDEN)
    name = PurePath(visible.replace("\\", "/")).name.strip()
    return (name or "recording")[:255]
