"""Profile presets the front end knows how to draw (from the upstream demo)."""

COLORS: tuple[str, ...] = ("blue", "green", "lavender", "purple", "salmon", "turquoise", "yellow")
AVATARS: tuple[str, ...] = (
    "bear", "bird", "bird2", "dog", "dog2", "dog3", "giraffe",
    "hedgehog", "hippo", "horse", "ibex", "jellyfish", "sheep", "tiger",
)  # fmt: skip
DEFAULT_COLOR = "blue"
DEFAULT_AVATAR = "bear"
