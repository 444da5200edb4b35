"""A run's verdict on one plan item: ok with the move's parameters, or refused with a code and a reason."""

import dataclasses


@dataclasses.dataclass
class Verdict:
    params: dict | None = None
    source: str | None = None
    dest: str | None = None
    resource_name: str | None = None
    code: str | None = None
    reason: str | None = None
    #: the move type chosen when it is not the item's (a drain's cold fallback)
    move_type: str | None = None
    #: the instance's RAM (MB) or the volume's size (GB): what the estimate scales durations with
    size: int | None = None
    #: why the move type was changed, said in the item's history
    note: str | None = None

    @property
    def ok(self) -> bool:
        return self.code is None


class Refused(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason
