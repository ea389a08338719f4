"""Fakes of external systems: real HTTP servers on 127.0.0.1 that follow each system's public documentation
(one module per system), and an in-memory Connector for the engine's unit tests (`memory`)."""
