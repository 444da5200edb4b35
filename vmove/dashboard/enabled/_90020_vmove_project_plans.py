PANEL = "vmove_plans"
PANEL_DASHBOARD = "project"
PANEL_GROUP = "vmove"
ADD_PANEL = "vmove.dashboard.plans.panel.Plans"
