"""Output: terminal summaries and files."""
