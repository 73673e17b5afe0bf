"""lmsbridge core: normalized models, one error tree, and a connector per vendor.

``core`` never imports ``textual`` or ``starlette``; the terminal UI depends on it, never the
other way round, and the sandbox does not import it at all.
"""
