"""Performance benchmarks of lmsbridge: ``python -m bench [--quick] [--only B1,B3]``.

Every figure is a ratio against a baseline measured in the same run, on the same machine, so
the noise of a shared machine mostly cancels. One module per benchmark (``b1_list`` ...
``b9_startup``), each with a docstring that says what it measures and against what; the
harness (``harness``), the shared sizes and fixtures (``context``), the server with the bare
baseline routes (``serving``), the load generator that runs in a separate process
(``loadgen``, ``rawhttp``) and the per-vendor knowledge (``vendors``) are shared.

The benchmarks never run inside ``make test`` and no test asserts a timing.
"""
