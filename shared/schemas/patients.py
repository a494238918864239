from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field, field_validator


class PatientCreate(BaseModel):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: date

    @field_validator("birth_date")
    @classmethod
    def not_in_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("birth date cannot be in the future")
        return value


class PatientRead(BaseModel):
    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    version: int
