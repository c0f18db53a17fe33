"""The distribution's version, stamped into the User-Agent and LangChain's ``lc_versions``."""

__version__ = "0.1.0"
