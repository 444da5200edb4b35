"""The capacity check's pure parts: what a flavor asks Placement for, and where instances fit."""

import types

from vmove.recovery import room as cap


def srv(image=True, **flavor):
    f = {"vcpus": 2, "ram": 1024, "disk": 10, "ephemeral": 0, "swap": 0, "extra_specs": {}}
    f.update(flavor)
    return types.SimpleNamespace(image={"id": "i"} if image else "", flavor=f)


def test_needs_of_a_flavor():
    assert cap.needs_of(srv()) == {"VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 10}
    # boot from volume: no root disk; ephemeral and swap (MB, rounded up to GB) are local
    assert cap.needs_of(srv(image=False, ephemeral=5, swap=1500)) == {"VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 7}
    # resources:* extra specs override or add, as in Nova
    specs = {"resources:VCPU": "0", "resources:PCPU": "2", "hw:cpu_policy": "dedicated"}
    assert cap.needs_of(srv(extra_specs=specs)) == {"PCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 10}
    # no embedded flavor (microversion < 2.47): unknown, never "no room"
    assert cap.needs_of(types.SimpleNamespace(flavor={"id": "1"}, image="")) == {}


def test_place_most_important_first_on_most_free_ram():
    rooms = [
        cap.Room("a", {"VCPU": 10, "MEMORY_MB": 3000}),
        cap.Room("b", {"VCPU": 10, "MEMORY_MB": 2000}),
    ]
    need = {"VCPU": 1, "MEMORY_MB": 1500}
    placed = cap.place([("i1", need), ("i2", need), ("i3", need), ("i4", need)], rooms)
    assert placed == {"i1": "a", "i2": "b", "i3": "a", "i4": None}
    assert rooms[0].free["MEMORY_MB"] == 0 and rooms[1].free["MEMORY_MB"] == 500


def test_place_respects_every_resource_and_max_unit():
    rooms = [cap.Room("a", {"VCPU": 1, "MEMORY_MB": 10_000}, max_unit={"MEMORY_MB": 4096})]
    assert cap.place([("cpu-hungry", {"VCPU": 2, "MEMORY_MB": 1})], rooms) == {"cpu-hungry": None}
    assert cap.place([("too-big-at-once", {"MEMORY_MB": 5000})], rooms) == {"too-big-at-once": None}
    assert cap.place([("ok", {"VCPU": 1, "MEMORY_MB": 4096})], rooms) == {"ok": "a"}


def test_describe():
    assert cap.describe({"DISK_GB": 1, "CUSTOM_X": 2, "VCPU": 1, "MEMORY_MB": 512}) == (
        "1 VCPU, 512 MB RAM, 1 GB disk, 2 CUSTOM_X"
    )
