PANEL = "vmove_recovery"
PANEL_DASHBOARD = "admin"
PANEL_GROUP = "vmove_admin"
ADD_PANEL = "vmove.dashboard.recovery.panel.HostRecovery"
