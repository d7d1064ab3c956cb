"""Telegram framework adapters: each turns its framework's updates into `Incoming` events.

Both expose the same small surface (`Adapter`), so polling, the webhook server and the
composition root do not care which framework runs. Only these modules import a framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.intake import Intake

# What the bot asks Telegram for; everything else (channel posts, inline queries, member
# changes) is not delivered at all.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class Adapter(Protocol):
    name: str
    intake: Intake

    async def start(self) -> None:
        """Connect: check the token (getMe)."""

    async def stop(self) -> None: ...

    async def fetch_updates(self, offset: int | None, timeout: int) -> list[Any]:
        """getUpdates through the framework; `offset` confirms everything before it."""

    def parse_update(self, data: dict[str, Any]) -> Any:
        """A webhook body as the framework's Update."""

    def update_id(self, update: Any) -> int: ...

    def chat_of(self, update: Any) -> int | None: ...

    async def feed(self, update: Any) -> None:
        """Run one update through the framework's routing into `Intake.receive`."""

    async def set_webhook(self, url: str, secret: str) -> None: ...

    async def delete_webhook(self) -> None: ...

    async def set_commands(self, private: list[tuple[str, str]],
                           groups: list[tuple[str, str]]) -> None: ...

    async def flush(self) -> None:
        """Hand on album parts still held, and wait for them."""
