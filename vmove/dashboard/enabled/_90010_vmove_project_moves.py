PANEL = "vmove_moves"
PANEL_DASHBOARD = "project"
PANEL_GROUP = "vmove"
ADD_PANEL = "vmove.dashboard.moves.panel.Moves"
