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

    @property
    def ok(self) -> bool:
        return self.code is None


class Refused(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason
