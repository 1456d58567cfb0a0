"""``python -m qa_pipeline.cli`` is ``qa``."""

from .main import main

if __name__ == "__main__":
    main()
