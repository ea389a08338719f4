"""The webhook receiver shared by the tray app and the headless service: a small HTTP listener, per-kind
verification, an event log in the state store, de-duplication and debouncing, and syncing the records an
event names through the engine's "only these records" path. Polling covers what webhooks miss."""
