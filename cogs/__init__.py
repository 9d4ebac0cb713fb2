"""Feature extensions: every public module here is loaded at start (see bot.client.discover_extensions)."""
