"""Release from work: employers, agreements with paid training days, release requests,
employers' answers, and the register of outgoing letters."""
