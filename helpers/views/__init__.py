"""Pictures and widgets of a conversation: what calling produces, drawn.

- ``turns.py``: any conversation (a ``Conversation`` or the client's
  ``exchanges()``) as a list of turns, one request and its response each;
- ``stepper.py``: an ipywidgets stepper through those turns (lesson 06);
- ``sequence.py``: a sequence diagram of the messages, as SVG (lessons 00, 06);
- ``tokens.py``: token bars per turn (lesson 02, 06);
- ``tokenize.py``: prompt tokens counted with the model's own encoding (lesson 02);
- ``live.py``: streamed arguments shown as they arrive (lesson 08).

Every view has a deterministic ``text/plain`` form: that is what nbval compares.
"""
