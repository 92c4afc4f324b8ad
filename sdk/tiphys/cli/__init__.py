"""The ``tiphys`` command line (typer): one module per command, shared options in ``_common``.

The entry point is :func:`tiphys.cli.app.main`; importing this package stays cheap (typer is
imported only when a command runs).
"""
