PANEL = "vmove_runs"
PANEL_DASHBOARD = "admin"
PANEL_GROUP = "vmove_admin"
ADD_PANEL = "vmove.dashboard.admin_runs.panel.AdminRuns"
