"""The base every area's entities share."""

from pydantic import BaseModel, ConfigDict


class Entity(BaseModel):
    """Base of the domain's entities: strict, immutable, and closed to unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
