"""Digests: one row per group and local day, so each daily digest is sent once (issue 6).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('digests',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('sent_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('chat_id', 'day', name=op.f('pk_digests'))
    )


def downgrade() -> None:
    op.drop_table('digests')
