"""The real fetched photos (kept beside the repository on the project's build machines) match their pins.

Collected only where ``../shared/images`` (or ``$STYLETRANSFER_SHARED_IMAGES``) holds every original:
see ``conftest.py``. A fresh clone tests the same cache and fetch paths with generated stand-ins.
"""

from __future__ import annotations

import hashlib

import pytest

from styletransfer.samples import SAMPLES

FETCHED = [name for name, s in SAMPLES.items() if not s.shipped]


@pytest.mark.parametrize("name", FETCHED)
def test_original_matches_its_pinned_sha256(name, pinned_samples, sample_originals):
    assert hashlib.sha256(sample_originals[name]).hexdigest() == pinned_samples[name].sha256
    assert SAMPLES[name].sha256 == pinned_samples[name].sha256  # no stand-in replaced it
