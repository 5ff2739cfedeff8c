"""HTTP routes: one router per module, each a thin layer over a service object."""
