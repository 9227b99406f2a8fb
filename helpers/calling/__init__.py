"""Function calling as code: a function to a tool definition, a model's tool
calls to tool messages, and the loop that runs them until the model is done.

What the notebooks use is imported from ``helpers`` itself.
"""
