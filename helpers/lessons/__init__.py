"""What the notebooks use to teach: the article's exchange, readable views of
a conversation, the list of lessons, JupyterLab, and the practice model.

What the notebooks use is imported from ``helpers`` itself.
"""
