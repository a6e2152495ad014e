"""The one-map workspace (一张图): catalogue, standard styles, project builder (GUI-free)."""
