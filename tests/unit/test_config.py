import pytest

from backend.config import async_url

pytestmark = pytest.mark.platform


@pytest.mark.parametrize(
    "given",
    ["postgresql://u:p@h:5432/db", "postgres://u:p@h:5432/db", "postgresql+asyncpg://u:p@h/db"],
)
def test_database_urls_are_normalised_for_asyncpg(given: str) -> None:
    assert async_url(given).startswith("postgresql+asyncpg://u:p@h")


def test_non_postgres_urls_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        async_url("mysql://u@h/db")
