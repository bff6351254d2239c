"""openness: how open is an AI model, and what does its license allow?"""

__version__ = "0.1.0"
