# SPDX-License-Identifier: MIT
"""vPDQ bindings against the reference CLI's output on Debian 12
(shared/testdata/vpdq/expected/debian12)."""
import json
import os
import unittest

import phash
from phash import video

VPDQ = os.path.join(os.environ.get("PHASH_SHARED", "../shared"), "testdata", "vpdq")
VIDEO = os.path.join(VPDQ, "videos", "test-padded-dimensions.mp4")
SOURCE = os.environ.get("PHASH_SOURCE_ROOT", ".")


def setUpModule():
    if not video.supported():
        raise unittest.SkipTest("this libphash was built without video support")
    if not os.path.isdir(VPDQ):
        msg = f"{VPDQ} is missing (test data from shared/; configure with -Dshared_dir=DIR)"
        if os.environ.get("PHASH_REQUIRE_SHARED") == "1":
            raise RuntimeError(msg)
        raise unittest.SkipTest(msg)


def expected(name):
    with open(os.path.join(VPDQ, "expected", "debian12", name)) as f:
        return f.read().splitlines()


class TestVpdq(unittest.TestCase):
    def test_every_frame_is_the_reference(self):
        frames = phash.vpdq(VIDEO, seconds_per_hash=0)
        self.assertEqual([f.line() for f in frames], expected("test-padded-dimensions.txt"))
        self.assertEqual([f.frame_number for f in frames], list(range(150)))

    def test_default_is_one_per_second(self):
        frames = phash.vpdq(VIDEO)
        self.assertEqual([f.line() for f in frames], expected("test-padded-dimensions-r1.txt"))
        self.assertEqual([f.timestamp for f in frames], [0.0, 1.0, 2.0, 3.0, 4.0])

    def test_bytes_and_downsample(self):
        with open(VIDEO, "rb") as f:
            data = f.read()
        frames = phash.vpdq(data, seconds_per_hash=0, downsample=128)
        self.assertEqual([f.line() for f in frames],
                         expected("test-padded-dimensions-128x128.txt"))

    def test_hma_form(self):
        frames = phash.vpdq(VIDEO)
        first = expected("test-padded-dimensions-r1.txt")[0].split(",")
        sig = json.loads(video.to_hma(frames))
        self.assertEqual(len(sig), 5)
        self.assertEqual(sig[0], f"{first[2]},{first[1]},0.0")
        self.assertEqual(sig[4].rsplit(",", 1)[1], "4.0")
        self.assertEqual(frames[1].hash.distance(frames[1].hex), 0)

    def test_errors(self):
        with self.assertRaises(phash.PhashError) as cm:
            phash.vpdq(b"not a video at all")
        self.assertEqual(cm.exception.name, "ERR_NOT_IMAGE")
        with self.assertRaises(phash.PhashError) as cm:
            phash.vpdq(os.path.join(SOURCE, "tests", "data", "video", "audio-only.m4a"))
        self.assertEqual(cm.exception.name, "ERR_NOT_IMAGE")
        with self.assertRaises(ValueError):
            phash.vpdq(VIDEO, seconds_per_hash=-1)
        with self.assertRaises(ValueError):
            phash.vpdq(VIDEO, downsample=3)
        with self.assertRaises(TypeError):
            phash.vpdq(VIDEO, seconds_per_hash="1")
        with self.assertRaises(TypeError):
            phash.vpdq(12)
        with self.assertRaises(phash.PhashError) as cm:
            phash.vpdq(VIDEO, max_frames=10, seconds_per_hash=0)
        self.assertEqual(cm.exception.name, "ERR_TOO_LARGE")


if __name__ == "__main__":
    unittest.main()
