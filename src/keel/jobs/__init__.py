"""Background work (replay sets, heals): submitted here, run by a backend."""
