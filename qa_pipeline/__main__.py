"""``python -m qa_pipeline`` is ``qa``."""

from .cli import main

main()
