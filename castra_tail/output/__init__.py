"""Where output goes: the process's streams (Env), the one stdout Writer, one mode per --format."""
