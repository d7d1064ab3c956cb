"""The schema: people, grids, tickets and their history, the outbox, idempotency and state.

Times are stored in UTC and always come back timezone-aware (`UTCDateTime`), on SQLite too.
Every change to this module needs a migration in `storage/migrations/versions/`; a test compares
the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

# Constraint names that are the same on every backend, so migrations can drop them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")
JsonType = JSON().with_variant(JSONB(), "postgresql")

# Ticket states (ids are stored; labels are what people see).
STATUS_LABELS: dict[str, str] = {
    "new": "待受理",
    "claimed": "已接单",
    "in_progress": "处理中",
    "resolved": "已办结",
    "closed": "已关闭",
    "rejected": "已退回",
    "duplicate": "已合并",
    "withdrawn": "已撤回",
}
OPEN_STATUSES = ("new", "claimed", "in_progress")
ROLES = ("resident", "worker", "staff", "admin")
SCRIPTS = ("simplified", "traditional")
RATING_LABELS = {3: "满意", 2: "基本满意", 1: "不满意"}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    Naive datetimes are refused when written: a naive value is a bug (local time or UTC?).
    SQLite has no time zones, so values are stored as naive UTC and made aware on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JsonType}


class Street(Base):
    """街道: the office above the grids; its escalation group is whistled for urgent tickets."""

    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]


class Grid(Base):
    """网格: an area with the places it covers, for routing (issue 7)."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    places: Mapped[list[str]] = mapped_column(JsonType, default=list)
    centre_lat: Mapped[float | None] = mapped_column(Float)
    centre_lon: Mapped[float | None] = mapped_column(Float)
    # GeoJSON-like [[lon, lat], ...] ring, when a grid has a drawn boundary.
    polygon: Mapped[list[list[float]] | None] = mapped_column(JsonType)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Person(Base):
    """Someone who talks to the bot: a resident, a mobile grid worker, staff or an admin."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("role IN ('resident', 'worker', 'staff', 'admin')", name="role"),
        CheckConstraint("script IN ('simplified', 'traditional')", name="script"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default="resident")
    script: Mapped[str] = mapped_column(String(16), default="simplified")
    phone: Mapped[str | None] = mapped_column(String(32))
    default_address: Mapped[str | None] = mapped_column(Text)
    default_lat: Mapped[float | None] = mapped_column(Float)
    default_lon: Mapped[float | None] = mapped_column(Float)
    volunteer: Mapped[bool] = mapped_column(Boolean, default=False)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))  # workers' grid
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class GroupChat(Base):
    """A Telegram group bound to a grid (网格群) or to the street's escalation role."""

    __tablename__ = "group_chats"
    __table_args__ = (CheckConstraint("role IN ('grid', 'street')", name="role"),)

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    bound_by: Mapped[int | None] = mapped_column(BigInteger)
    bound_at: Mapped[datetime]


class Ticket(Base):
    """工单. `number` is what people see (#42): the id itself, so opening a ticket costs no
    second statement; a separate numbering (per year, per street) would be a migration away."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(
            "status IN ('new', 'claimed', 'in_progress', 'resolved', 'closed', 'rejected',"
            " 'duplicate', 'withdrawn')",
            name="status",
        ),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 3", name="rating"),
        CheckConstraint("source IN ('resident', 'worker')", name="source"),
        # Duplicate search (issue 7): open tickets of a grid and category, newest first.
        Index("ix_tickets_grid_category_created", "grid_id", "category", "created_at"),
        Index("ix_tickets_status_respond_by", "status", "respond_by"),
        Index("ix_tickets_status_resolve_by", "status", "resolve_by"),
        Index("ix_tickets_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    location_text: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    location_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="new")
    confidence: Mapped[float | None] = mapped_column(Float)
    respond_by: Mapped[datetime]
    resolve_by: Mapped[datetime]
    claimed_at: Mapped[datetime | None]  # first response; kept through transfers
    started_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_note: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # Deadline follow-ups (issue 6): set when the reminder / the whistle went out.
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(16), default="resident")
    script: Mapped[str] = mapped_column(String(16), default="simplified")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @hybrid_property
    def number(self) -> int:
        return self.id

    @number.inplace.expression
    @classmethod
    def _number_expression(cls) -> ColumnElement[int]:
        return cls.id  # type: ignore[return-value]


class TicketReporter(Base):
    """Who reported a ticket: the first reporter and the followers of its duplicates."""

    __tablename__ = "ticket_reporters"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    is_first: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime]


class TicketEvent(Base):
    """Append-only history of a ticket: who did what, when, and why."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None]
    at: Mapped[datetime]


class Attachment(Base):
    """A Telegram file (its file_id) added to a ticket: the report's photos or the result's."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("purpose IN ('report', 'resolution', 'reply')", name="purpose"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    file_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="photo")
    added_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    purpose: Mapped[str] = mapped_column(String(16), default="report")
    created_at: Mapped[datetime]


class MessageLink(Base):
    """A message the bot sent, tied to its ticket: a reply to a card finds its ticket."""

    __tablename__ = "message_links"
    __table_args__ = (
        UniqueConstraint("chat_id", "message_id"),
        Index("ix_message_links_chat_ticket_purpose", "chat_id", "ticket_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class OutboxRow(Base):
    """A Bot API call to make; see `storage.outbox` for the contract."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_chat_status_id", "chat_id", "status", "id"),
        Index("ix_outbox_ticket_purpose", "ticket_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    purpose: Mapped[str] = mapped_column(String(32), default="notice")
    edit_purpose: Mapped[str | None] = mapped_column(String(32))
    reply_to_purpose: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_message_ids: Mapped[list[int] | None] = mapped_column(JsonType)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]


class ProcessedUpdate(Base):
    """Telegram update ids already handled: the same update twice changes nothing."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]


class ConversationState(Base):
    """Where a conversation stands, per (chat, user): a state name and its JSON data."""

    __tablename__ = "conversation_states"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    updated_at: Mapped[datetime]


class HeldReport(Base):
    """A new problem reported past the hourly limit of new tickets: kept, and opened by the
    scheduler once the hour allows (`resident.submit_held`), so the resident's words are not
    lost and they need not send them again."""

    __tablename__ = "held_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)  # the private chat it was written in
    draft: Mapped[dict[str, Any]]  # the report as the conversation had gathered it
    created_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)


class PointsEntry(Base):
    """积分 ledger: append-only; a person's balance is the sum of their deltas."""

    __tablename__ = "points_ledger"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    at: Mapped[datetime]


def utcnow() -> datetime:
    """Now, timezone-aware UTC: the one clock for code that has no `now` passed in."""
    return datetime.now(UTC)


class Digest(Base):
    """A daily digest sent to a group (issue 6). The key is the claim, so of several processes
    that reach the digest time together exactly one sends it."""

    __tablename__ = "digests"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # local date, YYYY-MM-DD
    sent_at: Mapped[datetime]


# ---------------------------------------------------------------------------------------------
# Mobile grid workers, volunteers, micro-wishes and the points shop (issue 8)


class JoinCode(Base):
    """入网邀请码: staff's one-time code that makes whoever sends it first a worker of a grid."""

    __tablename__ = "join_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    used_at: Mapped[datetime | None]


class JoinRequest(Base):
    """A `/join` without a code: a card in the grid's group that staff approve or refuse."""

    __tablename__ = "join_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'refused')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]


WISH_LABELS: dict[str, str] = {
    "new": "待发布",
    "published": "待认领",
    "claimed": "已认领",
    "done": "待确认",
    "confirmed": "已完成",
    "declined": "未受理",
}


class Wish(Base):
    """微心愿: 点单 (a resident wishes) → 派单 (staff publish to volunteers) → 接单 (the first
    volunteer to claim it) → done → confirmed by the resident, which earns the volunteer points.
    Every step is a conditional UPDATE on `status`, so two volunteers never both win."""

    __tablename__ = "wishes"
    __table_args__ = (
        CheckConstraint(
            "status IN ('new', 'published', 'claimed', 'done', 'confirmed', 'declined')",
            name="status",
        ),
        Index("ix_wishes_grid_status", "grid_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ShopItem(Base):
    """积分超市: goods with a price in points and a stock that never goes below zero."""

    __tablename__ = "shop_items"
    __table_args__ = (
        CheckConstraint("price > 0", name="price"),
        CheckConstraint("stock >= 0", name="stock"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    price: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class Redemption(Base):
    """积分兑换: a request staff confirm (points and stock taken together) or refuse."""

    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'refused')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("shop_items.id"))
    price: Mapped[int] = mapped_column(Integer)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]
