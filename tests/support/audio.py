"""Real audio bytes for uploads: a tiny WAV made with the standard library."""

import io
import wave


def wav_bytes(frames: bytes = b"\0" * 800) -> bytes:
    """A valid mono 8 kHz, 8-bit WAV file holding `frames`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(frames)
    return buffer.getvalue()
