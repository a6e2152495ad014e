"""GUI layer: the plugin class, docks, dialogs and map tools.

Only collects input, shows progress and calls the core (``liangwei_plugin``) or the
Processing algorithms; no review logic lives here.
"""
