"""Every third-party file copied into fixtures/corpus is listed in NOTICE with its source."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_copied_corpus_file_is_in_notice() -> None:
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    copied = sorted(p for p in (ROOT / "fixtures" / "corpus").rglob("*") if p.is_file())
    assert copied
    missing = [
        str(p.relative_to(ROOT))
        for p in copied
        if f"{p.relative_to(ROOT)}\n    from " not in notice
    ]
    assert missing == []
