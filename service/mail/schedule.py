"""Which reminders a due date gets, and which one is due today. Pure: no I/O.

The schedule is a list of day offsets from the due date (`-3,0,+3`: three days before, on the
day, three days after); after its last entry a reminder follows every `every` days while the
answers are overdue, up to `most` reminders in all. Only the latest reminder that has come
due is sent: a worker that was down for a week sends one reminder, not a backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


def parse_schedule(text: str) -> tuple[int, ...]:
    """`-3,0,+3` -> (-3, 0, 3); ValueError naming the bad entry."""
    offsets = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            offsets.append(int(entry))
        except ValueError:
            raise ValueError(
                f"STACKVET_REMINDER_SCHEDULE: '{entry}' is not a whole number of days "
                "(write e.g. -3,0,+3)"
            ) from None
    return tuple(sorted(set(offsets)))


@dataclass(frozen=True)
class Schedule:
    offsets: tuple[int, ...]
    every: int
    most: int

    def all_offsets(self) -> list[int]:
        """Every reminder day, in order, at most `most` of them."""
        days = list(self.offsets[: self.most])
        last = days[-1] if days else 0
        while self.every > 0 and len(days) < self.most:
            last = max(last, 0) + self.every
            days.append(last)
        return days

    def due_today(self, due: date, started: date, today: date) -> int | None:
        """The offset of the reminder to send by `today`, if any.

        Reminder days before `started` (the day the request went out) are skipped: an
        invitation made two days before its due date gets no "due in three days" reminder.
        """
        reached = [
            offset
            for offset in self.all_offsets()
            if started < due + timedelta(days=offset) <= today
        ]
        return reached[-1] if reached else None
