#!/usr/bin/env python
from corridor.cli import main

if __name__ == "__main__":
    main()
