"""Forged button presses: random data, another group's tickets, unknown tickets, tickets already
resolved or closed, old cards, other residents' rating and withdraw buttons. None of them
changes a ticket, writes an event or says anything outside the presser's chat, and none makes
a handler fail."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.events import Person
from handlers.keyboards import parse_callback
from tests.hostile.conftest import CLAIMED, CLOSED, HOSTILE, NEW, RESOLVED, Street
from tests.storage.builders import LONGQUAN_GROUP, STREET_GROUP, TUANJIE_GROUP

STRANGER = Person(55, "路人甲")  # a resident who reported none of the tickets
STAFF = Person(101, "王网格员")
UNBOUND_GROUP = -777
CARD_ACTIONS = ["claim", "start", "resolve", "transfer", "reject", "rate", "", "x" * 40]
VERBS = ["t", "rs", "tr", "rj", "mg", "w", "wn", "rn", "cat", "loc", "m", "jg", "vg", "ja", "jn",
         "xc", "xd", "xy", "xn", "xt", "xp", "xr", "ry", "rx", "zz"]
numbers = st.one_of(st.sampled_from([NEW, CLAIMED, RESOLVED, CLOSED]),
                    st.integers(min_value=-3, max_value=10**12))
args = st.one_of(numbers.map(str), st.sampled_from(CARD_ACTIONS),
                 st.text(max_size=12), st.integers(0, 5).map(str))

forged_data = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=64).map(lambda b: b.decode("utf-8", "replace")),
    st.builds(lambda verb, a: ":".join([verb, *a]), st.sampled_from(VERBS),
              st.lists(args, max_size=4)),
)
# A card's buttons in a chat that does not own the ticket: another grid's group, a group bound
# to nothing, a resident's private chat.
foreign_card = st.builds(
    lambda number, action, chat: (f"t:{number}:{action}", chat),
    numbers, st.sampled_from(CARD_ACTIONS),
    st.sampled_from([TUANJIE_GROUP, UNBOUND_GROUP, STRANGER.id]),
)
# The merge button of a hint (疑似同一问题) pressed where neither ticket is the group's.
foreign_merge = st.builds(
    lambda source, target, chat: (f"mg:{source}:{target}", chat), numbers, numbers,
    st.sampled_from([TUANJIE_GROUP, UNBOUND_GROUP, STRANGER.id]),
)
# The right group, but a ticket already resolved or closed, or a number that does not exist.
stale_card = st.builds(
    lambda number, verb_action: (verb_action.format(n=number), LONGQUAN_GROUP),
    st.sampled_from([RESOLVED, CLOSED, 0, 99, 10**9]),
    st.sampled_from(["t:{n}:claim", "t:{n}:start", "t:{n}:resolve", "t:{n}:transfer",
                     "t:{n}:reject", "rs:{n}", "tr:{n}:2", "rj:{n}:dup", "rj:{n}:other",
                     "mg:{n}:1", "mg:{n}:{n}"]),
)
# Another resident's buttons: rate, withdraw, redo, pressed by a stranger in private.
strangers_buttons = st.builds(
    lambda number, pattern: (pattern.format(n=number), STRANGER.id),
    st.sampled_from([NEW, CLAIMED, RESOLVED, CLOSED, 99]),
    st.sampled_from(["t:{n}:rate:1", "t:{n}:rate:2", "t:{n}:rate:3", "w:{n}", "rn:{n}",
                     "t:{n}:claim"]),
)


async def assert_refused(street: Street, data: str, chat_id: int, errors) -> None:
    before = await street.snapshot()
    last = await street.last_outbox_id()
    presser = STRANGER if chat_id > 0 else STAFF
    await street.send(street.event(chat_id, presser, kind="callback", callback_id="q",
                                   callback_data=data))
    assert await street.snapshot() == before, f"{data!r} in {chat_id} changed something"
    for row in await street.outbox_after(last):
        assert row.chat_id == chat_id, f"{data!r} made the bot speak in {row.chat_id}"
    assert not errors(), f"{data!r} failed in a handler: {errors()[0].getMessage()}"


@HOSTILE
@given(data=forged_data, chat_id=st.sampled_from(
    [STRANGER.id, LONGQUAN_GROUP, TUANJIE_GROUP, STREET_GROUP, UNBOUND_GROUP]))
async def test_random_callback_data_anywhere_changes_no_ticket(street, errors, data, chat_id):
    if chat_id in (LONGQUAN_GROUP, STREET_GROUP) and data.startswith(("t:1:", "t:2:", "rs:1",
                                                                       "rs:2", "tr:", "rj:",
                                                                       "mg:")):
        return  # the owning groups may really act on open tickets; that is not forged
    press = parse_callback(data)
    if chat_id == STRANGER.id and press is not None and press.verb in ("jg", "vg") \
            and press.number(0) in (1, 2):
        return  # choosing a grid (there are two) to join or help in: /join and /volunteer
        # offer these buttons to anyone, so pressing one is not forged
    await assert_refused(street, data, chat_id, errors)


@HOSTILE
@given(press=st.one_of(foreign_card, foreign_merge, stale_card, strangers_buttons))
async def test_other_chats_unknown_resolved_and_strangers_tickets_are_refused(
    street, errors, press
):
    await assert_refused(street, *press, errors)


async def test_a_stranger_rating_someone_elses_ticket_is_told_it_is_not_theirs(street, errors):
    last = await street.last_outbox_id()
    handled = await street.send(street.event(
        STRANGER.id, STRANGER, kind="callback", callback_id="q",
        callback_data=f"t:{RESOLVED}:rate:1"))
    said = await street.outbox_after(last)
    assert all(row.ticket_id is None for row in said), "a message about a ticket not theirs"
    assert handled.callback_alert and "不是您反映的" in (handled.callback_answer or "")
