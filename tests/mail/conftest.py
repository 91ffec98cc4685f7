from tests.smtp import mailbox  # noqa: F401 - the fixture
