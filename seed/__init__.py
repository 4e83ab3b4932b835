"""Seed scripts: they go through the application layer, and are safe to run again."""
