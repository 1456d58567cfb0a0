"""``python -m qa_pipeline`` is ``qa``."""

from .cli import main

if __name__ == "__main__":
    main()
