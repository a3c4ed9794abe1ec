"""Plumbing every Coffee Copilot service uses the same way: settings, tracing, logs, health.

No business logic and no message schemas live here (those are in copilot_contracts)."""
