PANEL = "vmove_moves"
PANEL_DASHBOARD = "admin"
PANEL_GROUP = "vmove_admin"
ADD_PANEL = "vmove.dashboard.admin_moves.panel.AdminMoves"
