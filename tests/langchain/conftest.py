"""Shared configuration for the LangChain adapter's tests.

Servers come from the ``grok_server`` / ``grok_server_factory`` fixtures of
``grok_transport.testing``'s pytest plugin: real HTTP on 127.0.0.1, one per test. Cassette
configuration for the recorded integration suite is in tests/conftest.py.
"""
