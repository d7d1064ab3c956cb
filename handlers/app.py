"""The one entry point of `handlers/`: an `Incoming` event in, database rows and outbox rows out.

Adapters (aiogram, python-telegram-bot, the console) call `handle(event, services)` for every
update. Everything the bot says goes through the outbox, written in the same transaction as the
change that caused it; the only thing an adapter sends itself is the answer to a pressed button
(`Handled.callback_answer`), because Telegram wants it within seconds and it changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import conversation
from handlers.conversation import State
from handlers.dedup import DuplicateFinder
from handlers.events import Incoming
from handlers.people import person_for
from handlers.rules import DEFAULT_POINTS, PointsRules
from handlers.texts import escape, localize
from handlers.tickets import DEFAULT_RULES, TicketError, TicketRules
from handlers.turn import Turn
from intents import Classifier
from storage import outbox, updates


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Config:
    """What handlers need of the settings (built from `bot.settings.Settings` in the root)."""

    admin_ids: frozenset[int] = frozenset()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    rules: TicketRules = DEFAULT_RULES  # deadlines (SLA) and the zone cards show times in
    points: PointsRules = DEFAULT_POINTS  # what verified reports and fulfilled wishes earn
    digest_time: time = time(18, 0)  # local time of the daily digest in every bound group


@dataclass(slots=True)
class Services:
    """Built once by the composition root and passed to every call of `handle`."""

    sessionmaker: async_sessionmaker[AsyncSession]
    classifier: Classifier
    config: Config = field(default_factory=Config)
    clock: Callable[[], datetime] = _utcnow
    # Called after every commit that wrote outbox rows, so the dispatcher sends at once.
    wake_outbox: Callable[[], None] = _nothing
    # Finds an open ticket for the same problem (issue 7); None: every report is a new ticket.
    duplicates: DuplicateFinder | None = None

    @classmethod
    def build(
        cls,
        sessionmaker: async_sessionmaker[AsyncSession],
        classifier: Classifier,
        config: Config | None = None,
        **overrides: object,
    ) -> Services:
        """Services with the duplicate finder built on the classifier's tokenizer."""
        return cls(sessionmaker, classifier, config or Config(),
                   duplicates=DuplicateFinder(classifier.tokens), **overrides)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Handled:
    """What the adapter itself must do after `handle` returns."""

    callback_answer: str | None = None  # text for answerCallbackQuery; None: answer empty
    callback_alert: bool = False


class Unavailable(Exception):
    """The database cannot be reached or is locked: nothing was written.

    The adapter tells the sender 系统繁忙，请稍后再试 directly (not through the outbox, which
    lives in that database) and does not acknowledge the update as processed.
    """


BUSY_TEXT = "系统繁忙，请稍后再试。"


log = logging.getLogger(__name__)

_AWAY = ("locked", "busy", "unable to open", "connection", "closed", "shutting down",
         "starting up", "recovery")


def _database_away(exc: BaseException) -> bool:
    """The database is away or locked (retry later), not our code being wrong."""
    if isinstance(exc, ConnectionError | TimeoutError | OSError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError):
        text = str(exc.orig if exc.orig is not None else exc).lower()
        return exc.connection_invalidated or any(word in text for word in _AWAY)
    return False


SORRY = "抱歉，处理您的消息时出了点问题，请稍后再试。"


async def handle(event: Incoming, services: Services) -> Handled:
    """Process one update exactly once: its changes, the conversation state and the outbox
    rows they cause are committed together, with the update id.

    A refusal (`TicketError`: 工单 #42 已办结，不能再接单) undoes everything the update had
    written and is told to the person in a transaction of its own (`_refuse`): a refused
    request is rare, so it pays for its second transaction and every other update is spared a
    savepoint around its handler.

    Raises `Unavailable` when the database cannot take the update (nothing was written, so a
    redelivery is processed). Any other failure is logged and answered with an apology, and
    the update is recorded, so one bad update cannot block the ones after it.
    """
    from handlers import resident, staff

    now = services.clock()
    try:
        try:
            refused: tuple[TicketError, State, State] | None = None
            async with services.sessionmaker() as session, session.begin():
                turn = await _turn(session, event, services, now)
                if turn is None:
                    return Handled()
                before = conversation.snapshot(turn.state)
                try:
                    handled = _in_script(await (resident.on_private if event.is_private
                                                else staff.on_group)(turn), turn)
                except TicketError as refusal:
                    refused = (refusal, before, turn.state)
                    raise
                await _save_state(turn, before)
        except TicketError:
            if refused is None:  # not the handler's refusal: a failure like any other
                raise
            handled = await _refuse(event, services, now, *refused)
    except Exception as exc:
        if _database_away(exc):
            raise Unavailable(str(exc)) from exc
        log.exception("update %s failed (kind %s)", event.update_id, event.kind)
        await _apologise(event, services, now)
        return Handled(SORRY if event.kind == "callback" else None)
    services.wake_outbox()
    return handled


async def handle_many(events: Sequence[Incoming], services: Services) -> list[Handled] | None:
    """Updates of different chats, one after the other as `handle` takes them, committed in one
    transaction (group commit: with SQLite's one writer, updates queued behind each other share
    the cost of a transaction, about a fifth of an update's time).

    Returns None when any of them must be handled alone (a refusal, a failure): then nothing
    was written and the caller runs `handle` for each, in order, which tells a refusal or an
    apology as usual. Raises `Unavailable` when the database is away (nothing written: each is
    left for Telegram to deliver again). Callers pass updates of different chats only, as
    `bot.intake.Intake` does.
    """
    from handlers import resident, staff

    if len(events) == 1:
        return [await handle(events[0], services)]
    results: list[Handled] = []
    try:
        async with services.sessionmaker() as session, session.begin():
            for event in events:
                turn = await _turn(session, event, services, services.clock())
                if turn is None:
                    results.append(Handled())
                    continue
                before = conversation.snapshot(turn.state)
                results.append(_in_script(await (resident.on_private if event.is_private
                                                 else staff.on_group)(turn), turn))
                await _save_state(turn, before)
    except Exception as exc:  # noqa: BLE001 - every one of them is handled again, alone
        if _database_away(exc):
            raise Unavailable(str(exc)) from exc
        log.info("a batch of %d updates is handled one by one (%s)", len(events),
                 type(exc).__name__)
        return None
    services.wake_outbox()
    return results


def _in_script(handled: Handled, turn: Turn) -> Handled:
    """A button's answer in a private chat is in the resident's script, as every message is."""
    if handled.callback_answer and turn.event.is_private and turn.person.script != "simplified":
        return replace(handled, callback_answer=localize(handled.callback_answer,
                                                         turn.person.script))
    return handled


async def _turn(session: AsyncSession, event: Incoming, services: Services,
                now: datetime) -> Turn | None:
    """The update recorded, its sender and conversation state loaded; None: seen before."""
    if not await updates.first_time(session, event.update_id, now):
        return None
    person = await person_for(session, event.sender, now, admin_ids=services.config.admin_ids)
    # Staff work in groups keeps no conversation: prompts are answered by replying.
    state = (await conversation.load(session, event.chat_id, event.sender.id)
             if event.is_private else State())
    return Turn(session, services, event, person, now, state)


async def _save_state(turn: Turn, before: State) -> None:
    # Written only when the update changed it (every private message does today: the state
    # counts the sender's messages this minute for the flood limit).
    if turn.event.is_private and turn.state != before:
        await conversation.save(turn.session, turn.event.chat_id, turn.event.sender.id,
                                turn.state, turn.now)


async def _refuse(event: Incoming, services: Services, now: datetime, refusal: TicketError,
                  before: State, after: State) -> Handled:
    """The update's transaction was rolled back: record it, keep where the handler took the
    conversation (`before` → `after`) unless another process moved it meanwhile, and tell the
    person why (as an alert for a pressed button)."""
    async with services.sessionmaker() as session, session.begin():
        turn = await _turn(session, event, services, now)
        if turn is None:  # another process took the update meanwhile
            return Handled()
        if turn.state == before:
            turn.state = after
        if event.kind != "callback":
            await turn.say(escape(str(refusal)))
        await _save_state(turn, before)
    if event.kind == "callback":
        return Handled(str(refusal), callback_alert=True)
    return Handled()


async def _apologise(event: Incoming, services: Services, now: datetime) -> None:
    """Record the update as processed and, in a private chat, say sorry (in a fresh
    transaction: the failed one was rolled back)."""
    try:
        async with services.sessionmaker() as session, session.begin():
            if not await updates.first_time(session, event.update_id, now):
                return
            if event.is_private and event.kind != "callback":
                await outbox.enqueue(session, chat_id=event.chat_id, method="sendMessage",
                                     payload={"text": SORRY}, now=now)
    except Exception as exc:  # the database itself is failing: let the adapter say busy
        raise Unavailable(str(exc)) from exc
    services.wake_outbox()
