"""Telegram edge of the intake bot: settings, CLI, adapters. The only package that knows Telegram."""
