"""MikroVirk bot: runs a local business network's monthly rhythm in Discord."""
