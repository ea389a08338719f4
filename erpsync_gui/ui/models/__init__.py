"""Qt item models the pages show in their views."""
