"""Conversation and ticket logic over plain events; no Telegram imports."""
