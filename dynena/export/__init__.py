"""Exports of models to other tools (AUTO-07p, PyDSTool)."""
