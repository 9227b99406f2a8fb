"""Helpers behind the function-calling lessons (work in progress)."""
