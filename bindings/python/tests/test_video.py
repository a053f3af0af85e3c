# SPDX-License-Identifier: MIT
"""vPDQ bindings against the reference CLI's output on Debian 12
(shared/testdata/vpdq/expected/debian12)."""
import json
import os
import tempfile
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


CHAIR = os.path.join(VPDQ, "videos", "chair-19-sd-bar.mp4")
CHAIR20 = os.path.join(VPDQ, "videos", "chair-20-sd-bar.mp4")
CHAIR_LIST = os.path.join(VPDQ, "expected", "debian12", "chair-19-sd-bar-r1.txt")
FRAME5_PDQ = "54c9f04ba0d76ae356d29596eb0deb44d194c1f8835386938609be0f965e96de"


def chair_matcher():
    s = phash.SignatureSet()
    rep = s.load(CHAIR_LIST)
    assert rep.format == "vpdq" and rep.per_algo == {"vpdq": 1}, rep
    return phash.Matcher(s)


class TestVideoMatch(unittest.TestCase):
    """Video matching (vmatch.h) through the bindings, against the reference
    CLI's per-frame file of chair-19 (19 frames at 1 fps, frames 0, 30, ...
    540 at 0..18 s)."""

    @classmethod
    def setUpClass(cls):
        cls.matcher = chair_matcher()
        cls.chair = phash.vpdq(CHAIR)

    def test_the_video_itself(self):
        self.assertEqual(video.video_count(self.matcher), 1)
        self.assertEqual(len(self.chair), 19)
        (m,) = phash.match_video(self.matcher, self.chair)
        self.assertEqual((m.id, m.list, m.metadata, m.category, m.video),
                         ("chair-19-sd-bar-r1", CHAIR_LIST, "", "", 0))
        self.assertEqual((m.query_percent, m.index_percent, m.matched), (100.0, 100.0, True))
        self.assertEqual((m.query_matched, m.query_frames, m.index_matched, m.index_frames),
                         (19, 19, 19, 19))
        self.assertEqual([(r.start, r.end, r.first_frame, r.last_frame, r.frames)
                          for r in m.ranges], [(0.0, 18.0, 0, 540, 19)])
        # A path is hashed at 1 fps first: the same answer.
        (p,) = phash.match_video(self.matcher, CHAIR)
        self.assertEqual((p.query_percent, p.index_percent, len(p.ranges)), (100.0, 100.0, 1))

    def test_a_cut(self):
        # Seconds 4 to 11 of the video: all 8 frames are the listed video's,
        # 8 of its 19 (42.105...%).
        (m,) = phash.match_video(self.matcher, self.chair[4:12])
        self.assertEqual((m.query_matched, m.query_frames, m.index_matched, m.index_frames),
                         (8, 8, 8, 19))
        self.assertEqual(m.query_percent, 100.0)
        self.assertAlmostEqual(m.index_percent, 800 / 19, places=9)
        self.assertEqual([(r.start, r.end, r.first_frame, r.last_frame) for r in m.ranges],
                         [(4.0, 11.0, 120, 330)])
        # The index threshold leaves it out; all_candidates keeps it, unmatched.
        self.assertEqual(phash.match_video(self.matcher, self.chair[4:12], index_percent=50), [])
        (c,) = phash.match_video(self.matcher, self.chair[4:12], index_percent=50,
                                 all_candidates=True)
        self.assertFalse(c.matched)

    def test_another_recording(self):
        # chair-20: 2 of its 21 frames are within 31 bits of a listed frame,
        # at 13 s and 18 s; far under the 80 % query threshold.
        frames = phash.vpdq(CHAIR20)
        self.assertEqual(len(frames), 21)
        self.assertEqual(phash.match_video(self.matcher, frames), [])
        (m,) = phash.match_video(self.matcher, frames, query_percent=9)
        self.assertEqual((m.query_matched, m.query_frames), (2, 21))
        self.assertAlmostEqual(m.query_percent, 200 / 21, places=9)
        self.assertEqual([(r.start, r.end, r.frames) for r in m.ranges],
                         [(13.0, 13.0, 1), (18.0, 18.0, 1)])

    def test_rules_and_distance(self):
        # Exact equality: pytx counts distance <= 0, cpp's strict < 0 none.
        (m,) = phash.match_video(self.matcher, self.chair, distance=0)
        self.assertEqual(m.query_percent, 100.0)
        self.assertEqual(phash.match_video(self.matcher, self.chair, rule="cpp", distance=0), [])
        # A frame repeated: pytx de-duplicates (still 19 distinct of 19),
        # cpp counts every frame (20 of 20 on the query side).
        twice = self.chair + self.chair[:1]
        (p,) = phash.match_video(self.matcher, twice)
        (c,) = phash.match_video(self.matcher, twice, rule="cpp")
        self.assertEqual((p.query_matched, p.query_frames), (19, 19))
        self.assertEqual((c.query_matched, c.query_frames), (20, 20))
        # Low-quality frames are ignored (none left: nothing matches).
        low = [video.VpdqFrame.make(f.hash, 49, f.frame_number, f.timestamp) for f in self.chair]
        self.assertEqual(phash.match_video(self.matcher, low), [])
        (q,) = phash.match_video(self.matcher, low, quality=49)
        self.assertEqual(q.query_percent, 100.0)

    def test_hma_form_round_trip(self):
        sig = video.to_hma(self.chair)
        frames = video.from_hma(sig)
        self.assertEqual([f.hex for f in frames], [f.hex for f in self.chair])
        self.assertEqual([f.timestamp for f in frames], [float(i) for i in range(19)])
        s = phash.SignatureSet()
        s.load_bytes(("signal_type,signal_str,id\nvpdq,\"" + sig.replace('"', '""') +
                      "\",CHAIR-HMA\n").encode(), "hma.csv")
        m = phash.Matcher(s)
        (r,) = phash.match_video(m, self.chair)
        self.assertEqual((r.id, r.list, r.query_percent, r.index_percent),
                         ("CHAIR-HMA", "hma.csv", 100.0, 100.0))

    def test_query_options_and_errors(self):
        q = video.VideoQuery(rule="cpp", distance=20, quality=60, query_percent=50.5,
                             index_percent=10, all_candidates=True)
        self.assertEqual([q.option(n) for n in ("rule", "distance", "quality", "query_percent",
                                                "index_percent", "all_candidates")],
                         ["cpp", 20.0, 60.0, 50.5, 10.0, True])
        q.close()
        with self.assertRaises(ValueError):
            video.VideoQuery(rule="fast")
        with self.assertRaises(ValueError):
            video.VideoQuery(distance=257)
        with self.assertRaises(ValueError):
            video.VideoQuery(query_percent=101)
        with self.assertRaises(TypeError):
            video.VideoQuery(distance="31")
        with self.assertRaises(TypeError):
            phash.match_video(self.matcher, [FRAME5_PDQ])
        with self.assertRaises(ValueError):
            video.VpdqFrame.make(FRAME5_PDQ, 101, 0, 0.0)
        with self.assertRaises(ValueError):
            video.from_hma('["abc,100"]')
        self.assertEqual(phash.match_video(self.matcher, []), [])


class TestScanVideo(unittest.TestCase):
    """The scanner's video fields through phash.Scanner."""

    @classmethod
    def setUpClass(cls):
        cls.images = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
        cls.images.write(f"hash,id\n{FRAME5_PDQ},FRAME5\n")
        cls.images.close()

    @classmethod
    def tearDownClass(cls):
        os.unlink(cls.images.name)

    def test_report_and_matches(self):
        with phash.Scanner(signatures=[CHAIR_LIST, self.images.name]) as s:
            r = s.scan_file(CHAIR)
        self.assertEqual((r.status, r.kind, r.format, r.width, r.height),
                         ("OK", "video", "mp4", 480, 720))
        self.assertEqual((r.video_frames, r.video_seconds, r.source), (19, 18.0, "file"))
        by_algo = {m.algo: m for m in r.matches}
        self.assertEqual(sorted(by_algo), ["pdq", "vpdq"])
        v = by_algo["vpdq"]
        self.assertEqual((v.id, v.hash, v.distance, v.quality, v.frame),
                         ("chair-19-sd-bar-r1", "", 0, -1, 0))
        self.assertEqual((v.query_percent, v.index_percent), (100.0, 100.0))
        self.assertEqual((v.time_start, v.time_end, v.time_ranges), (0.0, 18.0, [(0.0, 18.0)]))
        p = by_algo["pdq"]
        self.assertEqual((p.id, p.hash, p.distance, p.frame), ("FRAME5", FRAME5_PDQ, 0, 150))
        self.assertEqual((p.time_start, p.time_end, p.time_ranges), (5.0, 5.0, [(5.0, 5.0)]))
        self.assertEqual((p.query_percent, p.index_percent), (None, None))

    def test_video_settings(self):
        # The cut's thresholds and rule through Scanner(video=...): every
        # frame hashed (564 frames, as the reference's every-frame file;
        # the list holds 19 of them).
        with phash.Scanner(signatures=CHAIR_LIST, algorithms="vpdq",
                           video={"seconds_per_hash": 0, "query_percent": 0, "rule": "cpp",
                                  "threads": 2}) as s:
            r = s.scan_file(CHAIR)
        self.assertEqual(r.video_frames, len(expected("chair-19-sd-bar.txt")))
        self.assertEqual(r.video_frames, 564)
        (m,) = r.matches
        self.assertEqual((m.index_percent, m.time_start), (100.0, 0.0))
        with self.assertRaises(TypeError):
            phash.Scanner(video={"speed": 1})
        with self.assertRaises(ValueError):
            phash.Scanner(video={"rule": "brute force"})
        with self.assertRaises(ValueError):
            phash.Scanner(video={"query_percent": 120})

    def test_an_image_has_no_video_fields(self):
        sample = os.path.join(SOURCE, "sample", "originals")
        photo = os.path.join(sample, sorted(os.listdir(sample))[0])
        with phash.Scanner() as s:
            r = s.scan_file(photo)
        self.assertEqual((r.kind, r.video_frames, r.video_seconds), ("image", None, None))


class TestAnimatedGif(unittest.TestCase):
    """An animated GIF also goes to the video path (FFmpeg's gif demuxer):
    each frame's vPDQ hash is the PDQ of that frame as PIL composes it, and
    the scanner matches the frames as a video's, beside the first frame's
    image hashes."""

    @classmethod
    def setUpClass(cls):
        try:
            from PIL import Image
        except ImportError:
            raise unittest.SkipTest("PIL is missing (python3-pil)")
        cls.tmp = tempfile.TemporaryDirectory()
        src = os.path.join(SOURCE, "sample", "originals")
        names = sorted(os.listdir(src))[:4]
        pics = [Image.open(os.path.join(src, n)).convert("RGB").resize((160, 120))
                for n in names]
        cls.gif = os.path.join(cls.tmp.name, "anim.gif")
        pics[0].save(cls.gif, save_all=True, append_images=pics[1:], duration=500, loop=0)
        cls.still = os.path.join(cls.tmp.name, "still.gif")
        pics[0].save(cls.still)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_frames_are_the_pdq_of_each_frame(self):
        import numpy as np
        from PIL import Image, ImageSequence
        frames = phash.vpdq(self.gif, seconds_per_hash=0)
        self.assertEqual([(f.frame_number, f.timestamp) for f in frames],
                         [(0, 0.0), (1, 0.5), (2, 1.0), (3, 1.5)])
        with Image.open(self.gif) as im, phash.PdqHasher() as h:
            want = [h.hash(np.asarray(p.convert("RGB"))) for p in ImageSequence.Iterator(im)]
            first = h.hash(self.gif)  # the image decoder (giflib): the first frame
        self.assertEqual([(f.hex, f.quality) for f in frames], [(w.hex, w.quality) for w in want])
        self.assertEqual(first.hex, frames[0].hex)
        self.assertEqual(len({f.hex for f in frames}), 4)

    def test_scan(self):
        frames = phash.vpdq(self.gif)  # one per second: frames 0 and 2
        self.assertEqual([f.frame_number for f in frames], [0, 2])
        lists = os.path.join(self.tmp.name, "lists.csv")
        with open(lists, "w") as f:
            f.write("signal_type,signal_str,id\n")
            f.write("vpdq,\"" + video.to_hma(frames).replace('"', '""') + "\",GIF-V\n")
            f.write(f"pdq,{frames[0].hex},FIRST\npdq,{frames[1].hex},THIRD\n")
        with phash.Scanner(signatures=lists) as s:
            r = s.scan_file(self.gif)
            still = s.scan_file(self.still)
        with phash.Scanner(signatures=lists, algorithms="vpdq") as s:
            only = s.scan_file(self.gif)
        self.assertEqual((r.status, r.kind, r.format, r.width, r.height),
                         ("OK", "image", "gif", 160, 120))
        self.assertEqual((r.video_frames, r.video_seconds), (2, 1.0))
        self.assertEqual(r.hash("pdq"), frames[0].hex)
        got = sorted((m.algo, m.id, m.distance, m.time_ranges, m.frame, m.query_percent)
                     for m in r.matches)
        # FIRST is matched by the image and by frame 0: one record, with its time.
        self.assertEqual(got, [("pdq", "FIRST", 0, [(0.0, 0.0)], 0, None),
                               ("pdq", "THIRD", 0, [(1.0, 1.0)], 2, None),
                               ("vpdq", "GIF-V", 0, [(0.0, 1.0)], 0, 100.0)])
        # A still GIF is an image only.
        self.assertEqual((still.kind, still.video_frames), ("image", None))
        self.assertEqual([(m.id, m.time_ranges) for m in still.matches], [("FIRST", None)])
        # vpdq alone: the GIF's frames still go to the video path.
        self.assertEqual([(m.algo, m.id) for m in only.matches], [("vpdq", "GIF-V")])
        self.assertEqual(only.video_frames, 2)


if __name__ == "__main__":
    unittest.main()
