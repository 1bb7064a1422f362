"""Demo cooperation profiles for ``corridor demo`` (see :mod:`.loader`)."""
