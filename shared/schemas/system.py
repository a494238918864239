"""Schemas of the platform's own endpoints."""

from typing import Literal

from pydantic import BaseModel


class HealthRead(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    version: str


class LivenessRead(BaseModel):
    status: Literal["ok"]
    version: str
