PANEL = "vmove_runs"
PANEL_DASHBOARD = "project"
PANEL_GROUP = "vmove"
ADD_PANEL = "vmove.dashboard.runs.panel.Runs"
