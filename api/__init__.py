"""Interfaces to people and programs: the `hotline` CLI (and later the HTTP service)."""
