"""Who must be trained: elected bodies (conciliation and audit commissions, …), their
members and the training each requires."""
