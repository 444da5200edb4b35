"""[recovery]: host recovery (host-failure notifications, evacuation, restore)."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    "recovery",
    title="Host recovery options",
    help="How a host-failure notification (POST /v1/notifications) evacuates the failed host's instances, "
    "when it stops because the cloud is full, and how a restore moves them back.",
)

opts = [
    cfg.StrOpt(
        "priority_key",
        default="vmove:priority",
        help="Instance metadata key holding the instance's evacuation priority (an integer).",
    ),
    cfg.StrOpt(
        "priority_order",
        default="lowest_first",
        choices=[
            ("lowest_first", "1 is the most important (P1 before P2): the lower the value, the sooner."),
            ("highest_first", "The higher the value, the sooner (like the moves API's priority)."),
        ],
        help="Which end of the priority_key values is evacuated first.",
    ),
    cfg.IntOpt(
        "default_priority",
        help="Priority (in priority_key's units) of instances without a valid priority_key value. "
        "Unset: they go after every instance that has one.",
    ),
    cfg.StrOpt(
        "ha_enabled_key",
        default="HA_Enabled",
        help="Instance metadata key saying whether an instance is HA-enabled (a boolean such as True/False), "
        "as Masakari's [host_failure] ha_enabled_instance_metadata_key.",
    ),
    cfg.BoolOpt(
        "evacuate_all_instances",
        default=True,
        help="True: every instance of the failed host is evacuated, the HA-enabled ones before the others of "
        "the same priority. False: only HA-enabled instances are; the others are recorded as ignored with "
        "the reason.",
    ),
    cfg.StrOpt(
        "error_instances",
        default="evacuate",
        choices=[
            ("evacuate", "Evacuate instances in ERROR state too (Nova rebuilds them on the new host)."),
            ("skip", "Record them as ignored with the reason; they stay on the failed host."),
        ],
        help="What to do with the failed host's instances that are in ERROR state.",
    ),
    cfg.IntOpt(
        "max_in_flight",
        default=10,
        min=1,
        help="Evacuations of one notification in flight at once (also capped by [engine] max_in_flight).",
    ),
    cfg.IntOpt(
        "max_in_flight_per_dest_host",
        default=0,
        min=0,
        help="Evacuations of one notification in flight at once onto one destination host; 0 = no limit. "
        "When set, vmove chooses each instance's destination itself from Placement's free capacity "
        "(most free RAM first, as Nova's RAM weigher spreads) so that the limit can be held; Nova's scheduler "
        "still checks every destination. When 0, Nova's scheduler chooses.",
    ),
    cfg.IntOpt(
        "no_valid_host_limit",
        default=3,
        min=0,
        help="Stop a recovery when this many of its evacuations in a row failed because Nova found no valid "
        "host: its pending evacuations become ignored with the reason. 0 = never stop.",
    ),
    cfg.BoolOpt(
        "capacity_check",
        default=True,
        help="Before evacuating, compare the instances' flavors with the free capacity Placement reports on "
        "the enabled, up compute hosts (most important instances first): instances that cannot fit are "
        "recorded as ignored with the reason instead of being tried.",
    ),
    cfg.URIOpt(
        "placement_endpoint_override",
        help="Placement URL for the capacity check; by default the service catalog's (region and interface of [nova]).",
    ),
    cfg.BoolOpt(
        "auto_restore",
        default=False,
        help="When a COMPUTE_HOST notification with event STARTED arrives for a host whose failure was "
        'recovered, move the evacuated instances back at once (as POST .../action {"restore": null}).',
    ),
    cfg.IntOpt(
        "restore_max_in_flight",
        default=4,
        min=1,
        help="Moves back of one restore in flight at once (they all go to the restored host).",
    ),
    cfg.FloatOpt(
        "claim_timeout",
        default=30.0,
        min=1.0,
        help="Seconds an engine may work on a notification (evacuation set-up, restore set-up) before another "
        "engine may take it over; a new notification whose RPC cast was lost is also picked up by the "
        "engines' poll after this time.",
    ),
    cfg.FloatOpt(
        "restore_wait_interval",
        default=5.0,
        min=0.1,
        help="Seconds between two tries to bring a restored host's nova-compute back (Nova refuses while the "
        "restarted compute has not cleaned up the evacuated instances yet).",
    ),
]
