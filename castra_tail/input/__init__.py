"""Where lines come from: files, stdin, a wrapped command; framed, unpacked, followed."""
