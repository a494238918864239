"""The UI's only way to the data: the typed API client, pointed at ``EMR_API_URL``."""

from backend.config import get_settings
from shared.client import EmrClient


def api_client(
    token: str | None = None, *, timeout: float = 10.0, forwarded_for: str | None = None
) -> EmrClient:
    return EmrClient(
        get_settings().api_url, token=token, timeout=timeout, forwarded_for=forwarded_for
    )
