"""Plans and budgets from the bottom up: organisations, local unions, branches, the union."""
