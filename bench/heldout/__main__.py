"""`python -m bench.heldout --out DIR --docs 24 --seed 8008`."""

from __future__ import annotations

from bench.heldout.generate import main

raise SystemExit(main())
