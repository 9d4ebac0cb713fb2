"""Services the whole bot shares, built once in the client: the DM sender (one pacer) and the timed-round runner.

Unlike the rule modules beside this package, these talk to Discord; cogs get them from the bot, never from a cog.
"""
