"""The audit trail: append-only, in keyed hash chains, written in the changing transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, SmallInteger, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class AuditEvent(SQLModel, table=True):
    """One event. ``id`` (from a sequence) orders events across chains for display; the
    event's place in the trail is (``chain``, ``seq``), which its hash covers."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    chain: int = Field(sa_column=Column(SmallInteger, nullable=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    key_id: str = Field(max_length=32)
    occurred_at: datetime = timestamp(index=True)
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    actor_username: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=40, index=True)
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=64)
    patient_id: uuid.UUID | None = Field(default=None, index=True)
    outcome: str = Field(max_length=20)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditChainHead(SQLModel, table=True):
    """Each chain's newest seq and hash: the row a writer locks to append to the chain,
    signed (``mac``, under ``key_id``) so that a shortened chain shows."""

    __tablename__ = "audit_chain_head"

    chain: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    hash: str = Field(max_length=64)
    key_id: str | None = Field(default=None, max_length=32)
    mac: str | None = Field(default=None, max_length=64)
