PANEL = "vmove_engines"
PANEL_DASHBOARD = "admin"
PANEL_GROUP = "vmove_admin"
ADD_PANEL = "vmove.dashboard.engines.panel.Engines"
