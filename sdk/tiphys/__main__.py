"""``python -m tiphys``: the same as the ``tiphys`` command."""

from tiphys.cli.app import main

if __name__ == "__main__":
    raise SystemExit(main())
