"""Random messages of every kind, in private and in groups: no handler fails, and every private
message gets a reply."""

from __future__ import annotations

import itertools
from typing import get_args

from hypothesis import given
from hypothesis import strategies as st

from handlers.events import Kind, Person
from tests.hostile.conftest import CLAIMED, HOSTILE, NEW, RESOLVED, Street
from tests.storage.builders import LONGQUAN_GROUP, TUANJIE_GROUP

_senders = itertools.count(9_000_000)
MESSAGE_KINDS = [k for k in get_args(Kind) if k != "callback"]
HTMLISH = st.sampled_from(["<b>", "</a>", "&", "&amp;", "<script>", "<", ">", "/", "#", "＃"])
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(HTMLISH, st.text(max_size=6),
                       st.sampled_from(["垃圾", "路灯", "龙泉小区3号楼", "坏了", "电话13812345678",
                                        "/my", "/start", "/bind", "/t 1", "撤回", "谢谢", "1"])),
             max_size=12).map("".join),
    st.sampled_from(["/", "/@", "/start@", "/my 99999999999", "/my #-1", "/t x", "/claim 0",
                     "/merge 1 1", "/unmerge", "/recat 1 nonsense", "/stats forever",
                     "/address " + "x" * 5000, "\u0000", "\u202e", "🏠" * 50]),
)
coordinates = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def message_fields(draw: st.DrawFn) -> dict[str, object]:
    kind = draw(st.sampled_from(MESSAGE_KINDS))
    fields: dict[str, object] = {"kind": kind}
    if kind in ("text", "photo") or draw(st.booleans()):
        fields["text"] = draw(st.one_of(st.none(), texts))
    if kind == "text" and fields.get("text") is None:
        fields["text"] = ""
    if kind == "photo":
        fields["photos"] = tuple(draw(st.lists(st.text(min_size=1, max_size=20), min_size=1,
                                               max_size=12)))
        fields["media_group_id"] = draw(st.one_of(st.none(), st.text(max_size=8)))
    if kind == "location" or draw(st.integers(0, 9)) == 0:
        fields["latitude"], fields["longitude"] = draw(coordinates), draw(coordinates)
    if kind == "contact":
        fields["contact_phone"] = draw(st.one_of(st.none(), st.text(max_size=30)))
    fields["edited"] = draw(st.booleans())
    fields["forwarded"] = draw(st.booleans())
    fields["reply_to_message_id"] = draw(st.one_of(
        st.none(), st.integers(min_value=-5, max_value=2**31)))
    return fields


@HOSTILE
@given(fields=message_fields(), name=st.text(max_size=40))
async def test_every_private_message_gets_a_reply(street: Street, errors, fields, name):
    resident = Person(next(_senders), name)
    last = await street.last_outbox_id()
    await street.send(street.event(resident.id, resident, **fields))  # type: ignore[arg-type]
    assert not errors(), f"a handler failed: {errors()[0].getMessage()}"
    said = [row for row in await street.outbox_after(last) if row.chat_id == resident.id]
    assert said, f"no reply to {fields}"


@HOSTILE
@given(fields=message_fields(), group=st.sampled_from([LONGQUAN_GROUP, TUANJIE_GROUP, -5]),
       staff=st.sampled_from([Person(101, "王网格员"), Person(7, "管理员"), Person(66, "路人")]),
       command=st.one_of(st.none(), st.builds(
           lambda name, n, rest: f"/{name} {n} {rest}",
           st.sampled_from(["t", "claim", "note", "done", "reject", "recat", "merge",
                            "unmerge", "bind", "unbind", "list", "stats", "invite", "rank",
                            "shop", "shop_add", "shop_del"]),
           st.sampled_from([NEW, CLAIMED, RESOLVED, 0, -1, 10**15]), texts)))
async def test_group_messages_and_commands_never_fail(
    street: Street, errors, fields, group, staff, command
):
    if command is not None:
        fields = {**fields, "kind": "text", "text": command}
    await street.send(street.event(group, staff, chat_title="群", **fields))  # type: ignore[arg-type]
    assert not errors(), f"a handler failed on {fields}: {errors()[0].getMessage()}"
