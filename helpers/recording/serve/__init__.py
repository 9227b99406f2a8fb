"""``python -m helpers serve``: a cassette as an OpenAI-compatible endpoint, one role a module.

- ``command.py``: the command line, and finding the cassette;
- ``cassette.py``: the cassette read once, every field it will send checked;
- ``sessions.py``: its interactions split into conversations;
- ``replay.py``: which recorded answer a request gets;
- ``answer.py``: answers and errors in the API's format;
- ``server.py``: the HTTP server, with bounded request bodies;
- ``listener.py``: connections capped and timed out.
"""

from __future__ import annotations

from .command import find_cassette, main

__all__ = ["find_cassette", "main"]
