"""Message schemas and subject names shared by every Coffee Copilot service."""
