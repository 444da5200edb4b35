"""vmove: plan, execute and record every move of an OpenStack workload."""
