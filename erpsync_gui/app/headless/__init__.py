"""The headless service for an office server: the schedule, the webhook receivers and the sync workers in one
long-running process (`erpsync service run`), with a status and control API the tray app connects to.

Syncs are procrastinate tasks in the PostgreSQL state store: any number of worker processes, on one machine or
several, share them; a task's lock is its (profile, entity), so one entity never runs twice at once anywhere.
Nothing here imports Qt; procrastinate is imported only by this package (the `service` extra).
"""
