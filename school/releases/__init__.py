"""Release from work: employers, agreements with paid training days, release requests and employers' answers."""
