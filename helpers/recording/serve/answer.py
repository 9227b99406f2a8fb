"""What ``python -m helpers serve`` sends back, and the errors it sends in the OpenAI API's format.

Every refusal, whatever refused (the HTTP layer, a body that is not JSON, a
request the cassette does not hold), is ``{"error": {"message", "type",
"param", "code"}}`` with its status, the shape every OpenAI SDK turns into its
own exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .cassette import MAX_JSON_DEPTH, depth


@dataclass
class Answer:
    """What to send back: status, headers and body, and a line for the log."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    log: str = ""

    @property
    def is_stream(self) -> bool:
        """True for a recorded server-sent-event stream."""
        return any(k == "content-type" and v.startswith("text/event-stream") for k, v in self.headers)


def openai_error(status: int, message: str, code: str) -> Answer:
    """An error in the shape the OpenAI API uses, which every SDK turns into its own exception."""
    kind = "server_error" if status >= 500 else "invalid_request_error"
    error = {"message": message, "type": kind, "param": None, "code": code}
    body = json.dumps({"error": error}, ensure_ascii=False).encode("utf-8")
    return Answer(status, body, [("content-type", "application/json")], f"{status} {code}")


def read_body(body: bytes) -> tuple[Any, Answer | None]:
    """A request body as JSON (None when empty), or the 400 that says why it is not JSON."""
    if not body:
        return None, None
    too_deep = openai_error(
        400, f"the request body nests deeper than {MAX_JSON_DEPTH} levels", "invalid_json"
    )
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as err:
        return None, openai_error(400, f"the request body is not UTF-8 (byte {err.start})", "invalid_json")
    except RecursionError:  # deeper than the parser can go
        return None, too_deep
    except ValueError as err:
        return None, openai_error(400, f"the request body is not JSON: {err}", "invalid_json")
    return (None, too_deep) if depth(value) > MAX_JSON_DEPTH else (value, None)
