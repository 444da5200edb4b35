"""The resize items of a plan run: the plan's flavor mapping, Nova's rules, and room for the new flavor.

A resize item's new flavor is the plan's ``mapping.flavors`` of the instance's
flavor (names or IDs). Refused: a flavor not in the mapping (``no_mapping``),
one that does not exist (``flavor_missing``), the same flavor
(``already_there``), a smaller disk (``smaller_disk``: Nova cannot shrink a
disk), and no enabled, up host other than the instance's with room for the
new flavor after the plan's more important items (``no_capacity``, from
Placement). A mixin of :class:`vmove.plans.validation.Validator`.
"""

from vmove import placement
from vmove.actions import resize as resize_action
from vmove.plans.verdicts import Refused


class ResizeChecks:
    def _flavor(self, ref):
        if self._flavors is None:
            self._flavors = {}
        if ref not in self._flavors:
            self._flavors[ref] = resize_action.find_flavor(self.clients.nova("2.61"), ref)
        return self._flavors[ref]

    def resize(self, server, src, verdict):
        current = getattr(server, "flavor", None) or {}
        name = current.get("original_name")
        target = (self.mapping.get("flavors") or {}).get(name)
        if not target:
            raise Refused("no_mapping", f"Flavor {name} of instance {server.name} is not in the plan's flavor mapping.")
        flavor = self._flavor(target)
        if flavor is None:
            raise Refused("flavor_missing", f"Flavor {target} does not exist.")
        new = resize_action.flavor_dict(flavor)
        boot_from_volume = not getattr(server, "image", None)
        why = resize_action.refusal(server.name, current, new, boot_from_volume)
        if why is not None:
            raise Refused(*why)
        self._reserve_any(server, src, placement.needs_of_flavor(new, boot_from_volume))
        verdict.dest = None
        verdict.params = {"flavor": new["id"]}
        verdict.note = f"resize from flavor {name} to {new['original_name']}"
