"""python -m movierec (also what torchrun launches)."""

from movierec.cli import main

if __name__ == "__main__":
    main()
