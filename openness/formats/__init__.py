"""Renderers: each reads a report document and writes text. None of them fetches or judges."""
