"""Event Contract v1 without I/O: the wire types, the rules, decoding, attention levels, schema."""
