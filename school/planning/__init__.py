"""Plans and budgets from the bottom up: primary organisations, local unions, branches, the union."""
