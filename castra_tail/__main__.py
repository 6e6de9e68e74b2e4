"""`python -m castra_tail` runs the command-line tool."""

from castra_tail.cli import main

if __name__ == "__main__":
    main()
