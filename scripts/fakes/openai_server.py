"""A fake OpenAI API at the HTTP level, for the real `openai` client to talk to.

It serves chat completions (plain and JSON mode) and audio transcriptions, keeps every
request it received, and can be told to fail: with an HTTP status (429, 500, 401...), with a
reply slower than the client's timeout, or with JSON that does not match the schema.
"""

import itertools
import json
import threading
import time
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

REPLY = "Slow down a little and pause after each key point."
TRANSCRIPT = "Good morning everyone, today I want to talk about um our results."
FEEDBACK = {
    "score": 72,
    "strengths": ["Clear opening"],
    "improvements": ["Fewer filler words"],
    "summary": "A confident start; cut the fillers.",
}
CHAT_USAGE = {"prompt_tokens": 42, "completion_tokens": 17, "total_tokens": 59}
TRANSCRIPTION_USAGE = {"type": "tokens", "input_tokens": 11, "output_tokens": 7, "total_tokens": 18}


class FakeOpenAI:
    """Answers like OpenAI; `fail_with(...)` makes the next requests fail."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.requests: list[dict[str, Any]] = []
        self.status: int | None = None
        self.delay = 0.0
        self.bad_json = False
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        server.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
            self._chat
        )
        server.expect_request("/v1/audio/transcriptions", method="POST").respond_with_handler(
            self._transcription
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}/v1"

    def fail_with(
        self, *, status: int | None = None, delay: float = 0.0, bad_json: bool = False
    ) -> None:
        self.status, self.delay, self.bad_json = status, delay, bad_json

    def request_id(self) -> str:
        return f"req_fake_{next(self._ids)}"

    def _respond(self, body: dict[str, Any], request_id: str) -> Response:
        if self.delay:
            time.sleep(self.delay)  # longer than the client's timeout
        if self.status is not None:
            body = {"error": {"message": f"fake failure {self.status}", "type": "fake_error"}}
            return _json(body, self.status, request_id)
        return _json(body, 200, request_id)

    def _chat(self, request: Request) -> Response:
        payload = request.get_json()
        request_id = self.request_id()
        with self._lock:
            self.requests.append({"path": request.path, "json": payload, "id": request_id})
        json_mode = (payload.get("response_format") or {}).get("type") == "json_object"
        content = json.dumps(FEEDBACK) if json_mode else REPLY
        if json_mode and self.bad_json:
            content = json.dumps({"score": "very good", "summary": ""})
        return self._respond(_completion(payload["model"], content), request_id)

    def _transcription(self, request: Request) -> Response:
        upload = request.files["file"]
        request_id = self.request_id()
        with self._lock:
            self.requests.append(
                {
                    "path": request.path,
                    "model": request.form.get("model"),
                    "audio": upload.read(),
                    "content_type": upload.mimetype,
                    "id": request_id,
                }
            )
        return self._respond({"text": TRANSCRIPT, "usage": TRANSCRIPTION_USAGE}, request_id)


def _completion(model: str, content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": CHAT_USAGE,
    }


def _json(body: dict[str, Any], status: int, request_id: str) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        content_type="application/json",
        headers={"x-request-id": request_id},
    )
