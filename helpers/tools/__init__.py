"""The example tools of the lessons, the sandbox that keeps `write_file` inside
the workspace, and the tape that makes observation tools replayable.

What the notebooks use is imported from ``helpers`` itself.
"""
