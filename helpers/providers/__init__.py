"""OpenAI-compatible providers: what each documents about tool calling, emulated and probed.

- ``ledger/``: every provider fact the lessons, the README and the settings
  state, each with its scope, source, date checked and how sure it is;
- ``facts.py``: each provider's documented tool-calling behaviour, every fact
  with its source;
- ``model.py``: the scripted model the emulations answer with (the memory
  scenario, and the probe's small requests);
- ``shapes.py``: a reply shaped as a provider shapes it (ids, ``content``,
  stream chunks, errors);
- ``emulate.py``: a loopback server that behaves like a provider;
- ``probe.py``, ``report.py``: ``python -m helpers probe``, which asks an
  endpoint what it supports and prints a compatibility row;
- ``findings.py``: what a reply does that code written for OpenAI trips on;
- ``sendback.py``: the probe's second turn, a tool result sent back;
- ``scenario.py``: the memory scenario run on emulations in a process of
  its own (lesson 13: Gemini, OpenRouter, Mistral, a refused ``tool_choice``);
- ``masking.py``: the key, pieces of it and a URL's credentials kept out of
  what the probe prints.
"""
