"""A worker killed mid-send: after a restart every e-mail is received exactly once.

The change commits with its e-mails in the outbox; a real `stackvet worker` claims them and
starts talking to a real SMTP server, which holds the first message unaccepted while the test
kills the worker (SIGKILL: no clean-up at all). A new worker takes the messages over once the
lease runs out and sends each, once. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.auth.permissions import Role
from service.db import create_db_engine, create_session_factory
from service.mail import notifications
from service.mail.models import MailMessage, MailStatus
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.databases import ScratchDatabases
from tests.processes import BOOT_SECONDS, environment, wait_for
from tests.smtp import Mailbox

STACKVET = str(Path(sys.executable).parent / "stackvet")
REVIEWERS = ("rev1@agency.example", "rev2@agency.example", "rev3@agency.example")


def start_worker(url: str, mailbox: Mailbox, log: Path) -> subprocess.Popen[bytes]:
    env = environment(
        STACKVET_DATABASE_URL=url,
        STACKVET_SMTP_URL=mailbox.url,
        STACKVET_MAIL_LEASE_SECONDS="5",
        STACKVET_WORKER_POLL_SECONDS="0.2",
    )
    with log.open("a") as output:
        return subprocess.Popen(
            [STACKVET, "worker"], env=env, stdout=output, stderr=output, cwd=log.parent
        )


def test_a_worker_killed_mid_send_leaves_nothing_lost_or_doubled(
    scratch_databases: ScratchDatabases, catalog: Catalog, mailbox: Mailbox, tmp_path: Path
) -> None:
    url = scratch_databases.migrated("mail_crash")
    engine = create_db_engine(url)
    factory = create_session_factory(engine)
    with factory.begin() as session:  # the change and its e-mails commit together
        org = builders.organisation(session)
        for address in REVIEWERS:
            builders.user(session, org, Role.PROCUREMENT, email=address)
        draft = builders.assessment(session, catalog, org)
        notifications.assessment_submitted(session, draft, "Jane Doe (vendor invitation)")
    mailbox.hold = threading.Event()
    log = tmp_path / "worker.log"
    first = start_worker(url, mailbox, log)
    second = None
    try:
        wait_for(mailbox.arrived.is_set, BOOT_SECONDS, "the worker to start sending")
        first.kill()
        first.wait(BOOT_SECONDS)
        held, mailbox.hold = mailbox.hold, None
        held.set()  # the dead worker's message was never accepted
        assert mailbox.received == []

        second = start_worker(url, mailbox, log)
        wait_for(lambda: len(mailbox.received) >= len(REVIEWERS), BOOT_SECONDS, "all e-mails")
        wait_for(
            lambda: _statuses(factory) == {MailStatus.SENT: len(REVIEWERS)},
            BOOT_SECONDS,
            "every message to be recorded as sent (nothing left to send again)",
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        engine.dispose()
    received = Counter(message["To"] for message in mailbox.received)
    assert received == dict.fromkeys(REVIEWERS, 1), log.read_text()


def _statuses(factory: sessionmaker[Session]) -> Counter[MailStatus]:
    with factory() as session:
        return Counter(session.scalars(select(MailMessage.status)))
