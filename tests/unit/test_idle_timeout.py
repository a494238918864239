"""The UI's idle rule: warn during the last minute, not before."""

import time

import pytest

from frontend.state.auth import AuthState

pytestmark = pytest.mark.access


@pytest.mark.parametrize(("idle_seconds", "warned"), [(60, False), (14 * 60 + 1, True)])
async def test_idle_warning_appears_in_the_last_minute(idle_seconds: int, warned: bool) -> None:
    state = AuthState()
    state.username = "cleo"
    state.idle_timeout_minutes = 15
    state._last_activity = time.time() - idle_seconds
    await state.tick()  # type: ignore[operator]
    assert state.idle_warning is warned
