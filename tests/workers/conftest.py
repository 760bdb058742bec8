from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

CORPUS = Path(__file__).resolve().parents[1] / "import_corpus"


@pytest.fixture(autouse=True)
def _private_media_and_no_engine_nudges(settings, tmp_path):
    # Uploaded files go to a throwaway MEDIA_ROOT; the compliance engine is not nudged (the
    # mark itself, needs_evaluation_at, is what these tests look at).
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PANTAU_NUDGE_ENGINE_ON_COMMIT = False


def corpus_file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (CORPUS / name).read_bytes())


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
