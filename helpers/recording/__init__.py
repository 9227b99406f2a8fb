"""Cassettes: how a lesson's requests are recorded, scrubbed, replayed and
checked, and the client that ``setup()`` wires to them.

What the notebooks use is imported from ``helpers`` itself.
"""
